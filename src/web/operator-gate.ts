/**
 * An operator's sign-in for a sandbox party's back office (the issuer site's certificates page,
 * the demo store's back office). Each instance has a random operator token, printed at start:
 *
 * - a JSON API takes it as `Authorization: Bearer <token>` (RFC 6750);
 * - a page takes it once, in the link the sandbox prints (`…?token=…`), swaps it for an HttpOnly,
 *   SameSite=Strict session cookie and redirects to drop it from the address bar (`signIn`).
 *
 * The session cookie is `<expiry>.<MAC>` and the form token a MAC of that cookie, both under keys
 * derived from the token with the gate's realm as label, so neither reveals the token, a session
 * ends on the server at its expiry, and a form token is good for one session only. Cookies do not
 * separate ports and every sandbox party is on 127.0.0.1, so the other parties' pages are
 * "same-site": a form POST must therefore carry the form token (which other origins cannot read)
 * and pass `fromOwnPages` (src/web/forms.ts).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { generateCookie } from 'hono/cookie';

const OPERATOR_SESSION_SECONDS = 12 * 3600;
const MIN_OPERATOR_TOKEN_LENGTH = 16;

export class OperatorGate {
  private readonly tokenHash: Uint8Array;
  private readonly sessionKey: Uint8Array;
  private readonly formKey: Uint8Array;
  private readonly token: Uint8Array;

  /** `realm` names the party (e.g. "SET/2 demo store"): the same token gives other keys elsewhere. */
  constructor(
    token: string,
    private readonly realm: string,
  ) {
    if (token.length < MIN_OPERATOR_TOKEN_LENGTH) {
      throw new Error(`the operator token must be at least ${MIN_OPERATOR_TOKEN_LENGTH} characters`);
    }
    this.token = utf8ToBytes(token);
    this.tokenHash = sha256(this.token);
    this.sessionKey = this.derive('operator session');
    this.formKey = this.derive('operator form');
  }

  /** A key of this instance for `label`, e.g. the demo store's shopper form tokens. */
  derive(label: string): Uint8Array {
    return hmac(sha256, this.token, utf8ToBytes(`${this.realm}: ${label}`));
  }

  /** Compares hashes, so the time taken says nothing about the token. */
  tokenMatches(candidate: string | undefined): boolean {
    return candidate !== undefined && equalBytes(sha256(utf8ToBytes(candidate)), this.tokenHash);
  }

  /** 'missing' (401), 'wrong' (403) or 'ok', for an Authorization header. */
  bearer(header: string | undefined): 'missing' | 'wrong' | 'ok' {
    if (!header) return 'missing';
    const m = /^Bearer +(\S+) *$/i.exec(header);
    return m && this.tokenMatches(m[1]) ? 'ok' : 'wrong';
  }

  /** A new session cookie value, good until now + OPERATOR_SESSION_SECONDS. */
  issueSession(now: Date): string {
    const expiry = Math.floor(now.getTime() / 1000) + OPERATOR_SESSION_SECONDS;
    return `${expiry}.${macHex(this.sessionKey, String(expiry))}`;
  }

  /** True for a session this gate issued that has not expired. */
  sessionMatches(cookie: string | undefined, now: Date): boolean {
    const m = cookie === undefined ? null : /^(\d{1,12})\.([0-9a-f]{64})$/.exec(cookie);
    if (!m) return false;
    const macOk = equalStrings(m[2]!, macHex(this.sessionKey, m[1]!));
    return macOk && Number(m[1]) * 1000 > now.getTime();
  }

  /** The form token of a session (put it in a hidden field of every form the session may post). */
  formToken(session: string): string {
    return macHex(this.formKey, session);
  }

  formTokenMatches(session: string, field: string | undefined): boolean {
    return field !== undefined && equalStrings(field, this.formToken(session));
  }

  /**
   * The answer to a valid sign-in link: the session cookie, and a redirect to `location` so the
   * token leaves the address bar and history (and is never sent on as a Referer).
   */
  signIn(opts: { cookie: string; location: string; now: Date; secure: boolean }): Response {
    return new Response(null, {
      status: 303,
      headers: {
        location: opts.location,
        'set-cookie': generateCookie(opts.cookie, this.issueSession(opts.now), {
          httpOnly: true,
          sameSite: 'Strict',
          path: '/',
          secure: opts.secure,
          maxAge: OPERATOR_SESSION_SECONDS,
        }),
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      },
    });
  }
}

/** HMAC-SHA-256 of `value` under `key`, hex. */
export function macHex(key: Uint8Array, value: string): string {
  return bytesToHex(hmac(sha256, key, utf8ToBytes(value)));
}

/** Equality that takes the same time wherever two equal-length strings differ. */
export function equalStrings(a: string, b: string): boolean {
  return equalBytes(utf8ToBytes(a), utf8ToBytes(b));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

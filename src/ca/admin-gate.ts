/**
 * Who may revoke. The sandbox gives each instance a random admin token (deps.adminToken):
 *
 * - the JSON API (POST /admin/revoke) takes it as `Authorization: Bearer <token>` (RFC 6750);
 * - the certificates page takes it once, in the link the sandbox prints (/certificates?token=…),
 *   swaps it for an HttpOnly, SameSite=Strict session cookie and redirects to drop it from the
 *   address bar; Revoke buttons appear only with that cookie.
 *
 * The cookie and the form token are HMACs of the admin token under different labels, so neither
 * reveals it. Cookies do not separate ports, and every sandbox party is on 127.0.0.1, so a page of
 * the demo store is "same-site": a form POST must therefore also carry the form token (which other
 * origins cannot read) and, when the browser sends one, an Origin equal to this site's own.
 */
import { constantTimeEqual, hex, hmacSha256, sha256, utf8 } from '../protocol/index.ts';

export const ADMIN_COOKIE = 'set_issuer_admin';
export const ADMIN_SESSION_SECONDS = 12 * 3600;
export const MIN_ADMIN_TOKEN_LENGTH = 16;

export class AdminGate {
  readonly session: string;
  readonly csrf: string;
  private readonly tokenHash: Uint8Array;

  constructor(token: string) {
    if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
      throw new Error(`the admin token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
    }
    const key = utf8(token);
    this.tokenHash = sha256(key);
    this.session = hex(hmacSha256(key, utf8('SET/2 issuer site: admin session')));
    this.csrf = hex(hmacSha256(key, utf8('SET/2 issuer site: revoke form')));
  }

  /** Compares hashes, so the time taken says nothing about the token. */
  tokenMatches(candidate: string | undefined): boolean {
    return candidate !== undefined && constantTimeEqual(sha256(utf8(candidate)), this.tokenHash);
  }

  /** 'missing' (401), 'wrong' (403) or 'ok', for an Authorization header. */
  bearer(header: string | undefined): 'missing' | 'wrong' | 'ok' {
    if (!header) return 'missing';
    const m = /^Bearer +(\S+) *$/i.exec(header);
    return m && this.tokenMatches(m[1]) ? 'ok' : 'wrong';
  }

  sessionMatches(cookie: string | undefined): boolean {
    return cookie !== undefined && constantTimeEqual(utf8(cookie), utf8(this.session));
  }

  csrfMatches(field: string | undefined): boolean {
    return field !== undefined && constantTimeEqual(utf8(field), utf8(this.csrf));
  }
}

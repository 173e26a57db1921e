/**
 * Schemas for the fields SET/2 messages share (SET-PROFILE §2–§3): base64url values of fixed
 * length, dates, amounts, TransIDs. Every message schema is built from these, so a field means
 * and checks the same thing everywhere.
 */
import * as v from 'valibot';
import { MAX_AMOUNT_VALUE } from '../amount.ts';
import { SetError } from '../errors.ts';

const B64URL = /^[A-Za-z0-9_-]*$/;

/** base64url (no padding) of exactly `bytes` bytes. */
export const b64uOf = (bytes: number) =>
  v.pipe(
    v.string(),
    v.length(Math.ceil((bytes * 4) / 3), `must be base64url of ${bytes} bytes`),
    v.regex(B64URL, 'must be base64url without padding'),
  );

/** base64url (no padding) of at most `maxBytes` bytes. */
export const b64uMax = (maxBytes: number) =>
  v.pipe(
    v.string(),
    v.maxLength(Math.ceil((maxBytes * 4) / 3), `must be at most ${maxBytes} bytes`),
    v.regex(B64URL, 'must be base64url without padding'),
  );

/** 32-byte random values: nonces, challenges, RRPID, XID, salts (SET-PROFILE §2). */
export const Nonce = b64uOf(32);
/** SHA-256 digests and certificate thumbprints. */
export const Digest = b64uOf(32);
export const Signature = b64uOf(64);
export const PublicKey = b64uOf(65);

/** A short label chosen by one party (LID-C, LID-M, LID-EE, LID-CA). */
export const Label = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(64),
  v.regex(/^[\x20-\x7e]*$/, 'printable ASCII'),
);

/** RFC 3339 UTC timestamp with milliseconds, as Date.toISOString() writes it. */
export const Timestamp = v.pipe(
  v.string(),
  v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'must be an ISO 8601 UTC timestamp'),
  v.check((s) => !Number.isNaN(Date.parse(s)), 'must be a real date'),
);

export const Language = v.pipe(
  v.string(),
  v.regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 tag'),
  v.maxLength(35),
);
export const BrandId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,32}$/, 'must be 1–32 letters or digits'));
export const Bin = v.pipe(v.string(), v.regex(/^\d{6}$/, 'must be the first six digits of the card number'));
export const Pan = v.pipe(v.string(), v.regex(/^\d{12,19}$/, 'must be 12 to 19 digits'));
/** Card expiry as YYYYMM. */
export const Expiry = v.pipe(v.string(), v.regex(/^\d{4}(0[1-9]|1[0-2])$/, 'must be YYYYMM'));
export const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));

/** SET PurchAmt: ISO 4217 currency, integer minor units and decimal exponent; never floating point (SET-PROFILE §3). */
export const Amount = v.strictObject({
  currency: v.pipe(v.string(), v.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code')),
  value: v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(MAX_AMOUNT_VALUE)),
  exponent: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4)),
});
export type Amount = v.InferOutput<typeof Amount>;

/** TransIDs (SET-PROFILE §3). */
export const TransIds = v.strictObject({
  lidC: Label,
  lidM: Label,
  xid: Nonce,
  pReqDate: Timestamp,
  language: Language,
});
export type TransIds = v.InferOutput<typeof TransIds>;

/** Thumbprints of certificates (and CRLs, BCIs) a requester already holds, so they are left out of the reply. */
export const Thumbs = v.pipe(v.array(Digest), v.maxLength(32));

/** Parses `input` with `schema` or throws decodingFailure naming the first offending field. */
export function parseWith<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue.path?.map((p: { key: unknown }) => String(p.key)).join('.') ?? '';
  throw new SetError('decodingFailure', `${what}${path ? `.${path}` : ''}: ${issue.message}`);
}

export function amountsEqual(a: Amount, b: Amount): boolean {
  return a.currency === b.currency && a.value === b.value && a.exponent === b.exponent;
}

/** Why an issuer declined (a business result, reported in AuthRes and PRes, never as an Error). */
export const DECLINE_REASONS = [
  'doNotHonour',
  'insufficientFunds',
  'expiredCard',
  'stolenCard',
  'issuerUnavailable',
  'invalidCard',
  'amountExceeded',
] as const;
export const DeclineReason = v.picklist(DECLINE_REASONS);
export type DeclineReason = v.InferOutput<typeof DeclineReason>;

/** An authorization outcome as the gateway reports it. */
export const AuthResult = v.strictObject({
  status: v.picklist(['approved', 'declined']),
  authCode: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Z0-9]{6}$/, 'must be a six-character authorization code')),
  ),
  reason: v.optional(DeclineReason),
  amount: Amount,
});
export type AuthResult = v.InferOutput<typeof AuthResult>;

/**
 * SET-PROFILE §6 "Idempotency of follow-ups": a key of the merchant's choice (or derived from its
 * order records), unique per XID. The same key always gets the same answer and never a second
 * effect; reused for a different request it is refused. Absent, the RRPID is the key.
 */
export const IdempotencyKey = v.pipe(
  v.string(),
  v.minLength(1, 'an idempotency key is at least 1 character'),
  v.maxLength(64, 'an idempotency key is at most 64 characters'),
  v.regex(/^[A-Za-z0-9._:-]+$/, 'an idempotency key uses letters, digits and . _ : - only'),
);

export const SwIdent = v.pipe(v.string(), v.minLength(1), v.maxLength(64));

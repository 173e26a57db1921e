/**
 * SignedData for SET/2 (SET Book 2 "S(…)"; SET-PROFILE §2): the author serialises the content
 * once, signs `"SET/2 SignedData" 0x00 ‖ content bytes`, and the bytes travel as base64url. The
 * verifier hashes the bytes it received and only then parses them.
 */
import type * as v from 'valibot';
import * as vb from 'valibot';
import { b64u, concatBytes, fromB64u, jsonBytes, parseJsonBytes, utf8 } from '../encoding.ts';
import { fail } from '../errors.ts';
import type { ParsedCertificate, ValidatedPath } from '../pki/types.ts';
import { importSigningKey, signNative, verifyNative } from '../primitives/ecdsa.ts';
import type { PlatformKey } from '../primitives/provider.ts';
import { Digest, parseWith, Signature } from './fields.ts';
import type { Expectation, TrustStore } from './trust.ts';
import type { Clock } from './wire.ts';

const SIGNED_PREFIX = concatBytes(utf8('SET/2 SignedData'), new Uint8Array([0]));
export const MAX_CONTENT_BYTES = 48 * 1024;

export const SignedBody = vb.strictObject({
  content: vb.pipe(vb.string(), vb.maxLength(Math.ceil((MAX_CONTENT_BYTES * 4) / 3))),
  sig: Signature,
  signer: Digest,
});
export type SignedBody = vb.InferOutput<typeof SignedBody>;

/**
 * A party's signature certificate and its private key: a WebCrypto key (non-extractable), or the
 * stored scalar, which is imported once, on its first use, and kept with those bytes.
 */
export interface Signer {
  privateKey: PlatformKey | Uint8Array;
  certificate: ParsedCertificate;
}

/** Signing keys imported from stored scalars, keyed by the scalar's bytes (the party keeps them). */
const imported = new WeakMap<Uint8Array, Promise<PlatformKey>>();

/**
 * The WebCrypto signing key for a stored scalar, imported once (non-extractable) per bytes object:
 * a party that keeps its key bytes pays the import once, at start or on its first signature.
 */
export function signingKey(privateKey: PlatformKey | Uint8Array): Promise<PlatformKey> {
  if (!(privateKey instanceof Uint8Array)) return Promise.resolve(privateKey);
  let key = imported.get(privateKey);
  if (!key) {
    key = importSigningKey(privateKey);
    imported.set(privateKey, key);
  }
  return key;
}

export function signedDataTbs(content: Uint8Array): Uint8Array {
  return concatBytes(SIGNED_PREFIX, content);
}

/** Serialises `content` once and signs it. */
export async function signContent(content: object, signer: Signer): Promise<SignedBody> {
  const bytes = jsonBytes(content);
  const key = await signingKey(signer.privateKey);
  return {
    content: b64u(bytes),
    sig: b64u(await signNative(signedDataTbs(bytes), key)),
    signer: b64u(signer.certificate.thumbprint),
  };
}

/** Signs with a bare key (CertReq's proof of possession): same TBS, no certificate yet. */
export async function signWithKey(
  content: object,
  privateKey: PlatformKey | Uint8Array,
): Promise<{ content: string; sig: string }> {
  const bytes = jsonBytes(content);
  const key = await signingKey(privateKey);
  return { content: b64u(bytes), sig: b64u(await signNative(signedDataTbs(bytes), key)) };
}

export interface Verified<T> {
  content: T;
  bytes: Uint8Array;
  path: ValidatedPath;
}

/**
 * Verifies a SignedBody: the signer's chain for `expect`, the signature over the received bytes,
 * then the content's schema and type name. Order: certificate, signature, content.
 */
export async function verifySigned<S extends v.GenericSchema>(
  body: SignedBody,
  schema: S,
  what: string,
  trust: TrustStore,
  expect: Expectation,
  clock: Clock,
  missing: 'missingCertificate' | 'thumbsMismatch' = 'missingCertificate',
): Promise<Verified<v.InferOutput<S>>> {
  const path = await trust.verify(fromB64u(body.signer, 'signer'), expect, clock, missing);
  const bytes = fromB64u(body.content, `${what} content`);
  const signer = path.chain[0]!;
  if (!(await trust.cache.verifySignature(signer, fromB64u(body.sig, 'sig'), signedDataTbs(bytes), what))) {
    fail('signatureFailure', `the signature on ${what} does not verify with "${signer.subject.commonName}"`);
  }
  return { content: parseContent(bytes, schema, what), bytes, path };
}

/** Verifies a signature by a bare public key (proof of possession). */
export async function verifyWithKey<S extends v.GenericSchema>(
  body: { content: string; sig: string },
  publicKey: Uint8Array,
  schema: S,
  what: string,
): Promise<{ content: v.InferOutput<S>; bytes: Uint8Array }> {
  const bytes = fromB64u(body.content, `${what} content`);
  if (!(await verifyNative(fromB64u(body.sig, 'sig'), signedDataTbs(bytes), publicKey))) {
    fail('signatureFailure', `the proof-of-possession signature on ${what} does not verify`);
  }
  return { content: parseContent(bytes, schema, what), bytes };
}

/** Parses content bytes against a schema whose `type` literal names the structure. */
export function parseContent<S extends v.GenericSchema>(
  bytes: Uint8Array,
  schema: S,
  what: string,
): v.InferOutput<S> {
  return parseWith(schema, parseJsonBytes(bytes, MAX_CONTENT_BYTES, what), what);
}

/** Decodes a base64url content field and parses it (unsigned content). */
export function parsePlain<S extends v.GenericSchema>(encoded: string, schema: S, what: string) {
  const bytes = fromB64u(encoded, `${what} content`);
  return { content: parseContent(bytes, schema, what) as v.InferOutput<S>, bytes };
}

export const PlainBody = vb.strictObject({
  content: vb.pipe(vb.string(), vb.maxLength(Math.ceil((MAX_CONTENT_BYTES * 4) / 3))),
});
export type PlainBody = vb.InferOutput<typeof PlainBody>;

/** Unsigned content (PInitReq, CardCInitReq, …): serialised once, carried as base64url. */
export function plainBody(content: object): PlainBody {
  return { content: b64u(jsonBytes(content)) };
}

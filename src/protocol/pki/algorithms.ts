/**
 * The one algorithm suite of SET/2 X.509 (SET-PROFILE §2): P-256 keys and ecdsa-with-SHA256, as
 * read from certificates and CRLs (der.ts). Certificates and CRLs carry DER ECDSA-Sig-Value; the
 * rest of SET/2 uses raw r‖s, so parsed signatures are converted once, here.
 */
import { fromHex } from '../encoding.ts';
import { fail } from '../errors.ts';
import { isValidPublicKey } from '../primitives/p256.ts';
import { bitStringBytesOf, type Der, integerOf, oidOf, readSequence, sequence } from './der.ts';

/** RFC 5758 §3.2. */
export const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
/** RFC 5480 §2.1.1. */
export const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
/** DER of the namedCurve OID secp256r1 (1.2.840.10045.3.1.7), the ECParameters RFC 5480 §2.1.1 requires. */
export const PRIME256V1_PARAMETERS = fromHex('06082a8648ce3d030107');

/** AlgorithmIdentifier ecdsa-with-SHA256; RFC 5758 §3.2: the parameters field MUST be absent. */
export function assertEcdsaWithSha256(alg: Der, what: string): void {
  const r = sequence(alg, `${what}'s signature algorithm`);
  const oid = oidOf(r.any(), `${what}'s signature algorithm`);
  if (oid !== ECDSA_WITH_SHA256 || !r.done) {
    fail('decodingFailure', `${what} is not signed with ecdsa-with-SHA256`);
  }
}

/** AlgorithmIdentifier id-ecPublicKey with namedCurve prime256v1. */
export function assertP256Algorithm(alg: Der, what: string): void {
  const r = sequence(alg, `${what}'s algorithm`);
  const oid = oidOf(r.any(), `${what}'s algorithm`);
  const params = r.done ? undefined : r.any().bytes;
  if (
    oid !== ID_EC_PUBLIC_KEY ||
    !r.done ||
    params?.length !== PRIME256V1_PARAMETERS.length ||
    !params.every((b, i) => b === PRIME256V1_PARAMETERS[i])
  ) {
    fail('decodingFailure', `${what} is not a P-256 (prime256v1) key`);
  }
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING } holding an uncompressed P-256 point. */
export function publicKeyOfSpki(spki: Der, what: string): Uint8Array {
  const r = sequence(spki, what);
  assertP256Algorithm(r.any(), what);
  const point = bitStringBytesOf(r.any(), what);
  r.end();
  if (!isValidPublicKey(point)) fail('decodingFailure', `${what} is not an uncompressed P-256 point`);
  return point.slice();
}

/**
 * The raw r‖s inside an X.509 signatureValue BIT STRING: a DER ECDSA-Sig-Value
 * SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3), both positive and below 2^256.
 */
export function rawSignatureOf(signatureValue: Der, what = 'the signature'): Uint8Array {
  return signatureFromDer(bitStringBytesOf(signatureValue, what));
}

/** DER ECDSA-Sig-Value to raw r‖s; decodingFailure when it is anything else. */
export function signatureFromDer(der: Uint8Array): Uint8Array {
  const what = 'the ECDSA signature';
  const r = readSequence(der, what);
  const out = new Uint8Array(64);
  for (const offset of [0, 32]) {
    const v = integerOf(r.any(), what);
    if ((v[0]! & 0x80) !== 0) fail('decodingFailure', 'malformed DER ECDSA signature');
    const magnitude = v[0] === 0 ? v.subarray(1) : v;
    if (magnitude.length > 32) fail('decodingFailure', 'malformed DER ECDSA signature');
    out.set(magnitude, offset + 32 - magnitude.length);
  }
  r.end();
  return out;
}

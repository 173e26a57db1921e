/**
 * The one algorithm suite of SET/2 X.509 (SET-PROFILE §2): P-256 keys and ecdsa-with-SHA256.
 * Certificates and CRLs carry DER ECDSA-Sig-Value; the rest of SET/2 uses raw r‖s, so parsed
 * signatures are converted once, here.
 */
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { fromHex } from '../encoding.ts';
import { fail } from '../errors.ts';
import { isValidPublicKey, sign, signatureFromDer, signatureToDer } from '../primitives/ecdsa.ts';

/** RFC 5758 §3.2. */
export const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
/** RFC 5480 §2.1.1. */
export const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
/** DER of the namedCurve OID secp256r1 (1.2.840.10045.3.1.7), the ECParameters RFC 5480 §2.1.1 requires. */
export const PRIME256V1_PARAMETERS = fromHex('06082a8648ce3d030107');

/** RFC 5758 §3.2: the parameters field MUST be absent. */
export function ecdsaWithSha256(): AlgorithmIdentifier {
  return new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
}

export function ecPublicKeyAlgorithm(): AlgorithmIdentifier {
  return new AlgorithmIdentifier({
    algorithm: ID_EC_PUBLIC_KEY,
    parameters: PRIME256V1_PARAMETERS.slice().buffer,
  });
}

export function assertEcdsaWithSha256(alg: AlgorithmIdentifier, what: string): void {
  if (alg.algorithm !== ECDSA_WITH_SHA256 || alg.parameters !== undefined) {
    fail('decodingFailure', `${what} is not signed with ecdsa-with-SHA256`);
  }
}

export function assertP256Algorithm(alg: AlgorithmIdentifier, what: string): void {
  const params = alg.parameters ? new Uint8Array(alg.parameters) : undefined;
  if (
    alg.algorithm !== ID_EC_PUBLIC_KEY ||
    params?.length !== PRIME256V1_PARAMETERS.length ||
    !params.every((b, i) => b === PRIME256V1_PARAMETERS[i])
  ) {
    fail('decodingFailure', `${what} is not a P-256 (prime256v1) key`);
  }
}

/** SPKI for an uncompressed point (RFC 5480 §2.2). */
export function spkiOf(publicKey: Uint8Array): SubjectPublicKeyInfo {
  if (!isValidPublicKey(publicKey))
    fail('decodingFailure', 'the public key is not an uncompressed P-256 point');
  return new SubjectPublicKeyInfo({
    algorithm: ecPublicKeyAlgorithm(),
    subjectPublicKey: publicKey.slice().buffer,
  });
}

export function publicKeyOfSpki(spki: SubjectPublicKeyInfo, what: string): Uint8Array {
  assertP256Algorithm(spki.algorithm, what);
  const point = new Uint8Array(spki.subjectPublicKey);
  if (!isValidPublicKey(point)) fail('decodingFailure', `${what} is not an uncompressed P-256 point`);
  return point;
}

/** Signs DER `tbs` and returns the BIT STRING contents: a DER ECDSA-Sig-Value (RFC 5480 §2.2). */
export function signTbs(tbs: Uint8Array, privateKey: Uint8Array): ArrayBuffer {
  return signatureToDer(sign(tbs, privateKey)).slice().buffer;
}

/** The raw r‖s inside an X.509 signatureValue; decodingFailure when it is not an ECDSA-Sig-Value. */
export function rawSignatureOf(signatureValue: ArrayBuffer): Uint8Array {
  return signatureFromDer(new Uint8Array(signatureValue));
}

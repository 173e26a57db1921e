/**
 * P-256 private keys as PKCS#8 "PRIVATE KEY" PEM (RFC 5958 §2 OneAsymmetricKey v1, holding an
 * RFC 5915 ECPrivateKey), the form `openssl pkey` reads. Only CA and sandbox tooling stores keys
 * this way; the wallet keeps its own in the vault.
 */
import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { fail } from '../errors.ts';
import { PRIVATE_KEY_LENGTH, publicKeyOf } from '../primitives/ecdsa.ts';
import { constantTimeEqual } from '../primitives/hash.ts';
import { assertP256Algorithm, PRIME256V1_PARAMETERS } from './algorithms.ts';
import { decodeDer, encodeDer } from './asn1.ts';
import { readDer } from './der.ts';
import { ecPublicKeyAlgorithm } from './issue.ts';
import { pemToDers, toPem } from './pem.ts';

const PEM_LABEL = 'PRIVATE KEY';

/** PrivateKeyInfo ::= SEQUENCE { version INTEGER (0), privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING } */
class PrivateKeyInfo {
  version = 0;
  privateKeyAlgorithm = new AlgorithmIdentifier();
  privateKey = new ArrayBuffer(0);
}
AsnProp({ type: AsnPropTypes.Integer })(PrivateKeyInfo.prototype, 'version');
AsnProp({ type: AlgorithmIdentifier })(PrivateKeyInfo.prototype, 'privateKeyAlgorithm');
AsnProp({ type: AsnPropTypes.OctetString })(PrivateKeyInfo.prototype, 'privateKey');

/**
 * ECPrivateKey ::= SEQUENCE { version INTEGER (1), privateKey OCTET STRING,
 *   parameters [0] EXPLICIT ECParameters OPTIONAL, publicKey [1] EXPLICIT BIT STRING OPTIONAL }
 */
class EcPrivateKey {
  version = 1;
  privateKey = new ArrayBuffer(0);
  parameters?: ArrayBuffer;
  publicKey?: ArrayBuffer;
}
AsnProp({ type: AsnPropTypes.Integer })(EcPrivateKey.prototype, 'version');
AsnProp({ type: AsnPropTypes.OctetString })(EcPrivateKey.prototype, 'privateKey');
AsnProp({ type: AsnPropTypes.Any, context: 0, optional: true })(EcPrivateKey.prototype, 'parameters');
AsnProp({ type: AsnPropTypes.BitString, context: 1, optional: true })(EcPrivateKey.prototype, 'publicKey');

/** The curve is named once, in privateKeyAlgorithm, so ECPrivateKey omits parameters (RFC 5915 §3). */
export function privateKeyToPem(privateKey: Uint8Array, publicKey: Uint8Array): string {
  if (!constantTimeEqual(publicKeyOf(privateKey), publicKey)) {
    fail('decodingFailure', 'the public key does not belong to the private key');
  }
  const ec = Object.assign(new EcPrivateKey(), {
    privateKey: privateKey.slice().buffer,
    publicKey: publicKey.slice().buffer,
  });
  const info = Object.assign(new PrivateKeyInfo(), {
    privateKeyAlgorithm: ecPublicKeyAlgorithm(),
    privateKey: encodeDer(ec).buffer,
  });
  return toPem(encodeDer(info), PEM_LABEL);
}

/** The 32-byte scalar from a PKCS#8 P-256 key; decodingFailure for anything else. */
export function privateKeyFromPem(pem: string): Uint8Array {
  const ders = pemToDers(pem, PEM_LABEL);
  if (ders.length !== 1) fail('decodingFailure', 'expected exactly one PRIVATE KEY block');
  const info = decodeDer(ders[0]!, PrivateKeyInfo, 'PKCS#8 private key');
  if (info.version !== 0) fail('decodingFailure', 'unsupported PKCS#8 version');
  const algorithm = encodeDer(info.privateKeyAlgorithm);
  assertP256Algorithm(readDer(algorithm, 'PKCS#8 private key'), 'PKCS#8 private key');
  const ec = decodeDer(new Uint8Array(info.privateKey), EcPrivateKey, 'ECPrivateKey');
  const scalar = new Uint8Array(ec.privateKey);
  if (ec.version !== 1 || scalar.length !== PRIVATE_KEY_LENGTH)
    fail('decodingFailure', 'malformed ECPrivateKey');
  let publicKey: Uint8Array;
  try {
    publicKey = publicKeyOf(scalar);
  } catch {
    return fail('decodingFailure', 'the private key is not a valid P-256 scalar');
  }
  if (
    ec.parameters !== undefined &&
    !constantTimeEqual(new Uint8Array(ec.parameters), PRIME256V1_PARAMETERS)
  ) {
    fail('decodingFailure', 'ECPrivateKey names a curve other than P-256');
  }
  if (ec.publicKey !== undefined && !constantTimeEqual(new Uint8Array(ec.publicKey), publicKey)) {
    fail('decodingFailure', 'ECPrivateKey carries a public key that does not match it');
  }
  return scalar;
}

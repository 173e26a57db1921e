/**
 * The SET/2 digital envelope (SET Book 2 E, EH, EX, EXH, EncB; SET-PROFILE §2): HPKE Base mode
 * to a key-exchange certificate. `info` names the structure sealed ("SET/2 " + name). A hash
 * that SET put inside the OAEP block, or that linked baggage, goes in the associated data.
 */
import * as v from 'valibot';
import { b64u, constantTimeEqualB64, fromB64u, utf8 } from '../encoding.ts';
import { fail } from '../errors.ts';
import { exchangeKeyOf } from '../pki/keys.ts';
import type { ParsedCertificate } from '../pki/types.ts';
import { importExchangeKey } from '../primitives/ecdh.ts';
import { hpkeOpenNative, hpkeSealNative } from '../primitives/hpke.ts';
import type { PlatformKey } from '../primitives/provider.ts';
import { b64uMax, b64uOf, Digest } from './fields.ts';

export const MAX_SEALED_BYTES = 64 * 1024;

export const SealedBody = v.strictObject({
  /** Thumbprint of the key-exchange certificate sealed to. */
  to: Digest,
  enc: b64uOf(65),
  ct: b64uMax(MAX_SEALED_BYTES),
});
export type SealedBody = v.InferOutput<typeof SealedBody>;

/**
 * A party's key-exchange certificate and its private key: a WebCrypto key (non-extractable), or
 * the stored scalar, which is imported once, on its first use, and kept with those bytes.
 */
export interface Recipient {
  certificate: ParsedCertificate;
  privateKey: PlatformKey | Uint8Array;
}

/** Key-exchange keys imported from stored scalars, keyed by the scalar's bytes. */
const imported = new WeakMap<Uint8Array, Promise<PlatformKey>>();

/** The WebCrypto key-exchange key for a stored scalar, imported once (non-extractable) per bytes object. */
export function exchangeKey(privateKey: PlatformKey | Uint8Array): Promise<PlatformKey> {
  if (!(privateKey instanceof Uint8Array)) return Promise.resolve(privateKey);
  let key = imported.get(privateKey);
  if (!key) {
    key = importExchangeKey(privateKey);
    imported.set(privateKey, key);
  }
  return key;
}

export function infoFor(structure: string): Uint8Array {
  return utf8(`SET/2 ${structure}`);
}

export async function sealTo(
  recipient: ParsedCertificate,
  structure: string,
  plaintext: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
): Promise<SealedBody> {
  if (recipient.keyRole !== 'key-exchange')
    fail('invalidCertificate', 'can only seal to a key-exchange certificate');
  const pkR = await exchangeKeyOf(recipient);
  const { enc, ct } = await hpkeSealNative(recipient.publicKey, infoFor(structure), aad, plaintext, pkR);
  return { to: b64u(recipient.thumbprint), enc: b64u(enc), ct: b64u(ct) };
}

/**
 * Opens a sealed structure. thumbsMismatch when it was sealed to another certificate than ours;
 * decodingFailure when it does not open (altered, wrong structure name, or wrong linked hash).
 */
export async function openSealed(
  body: SealedBody,
  recipient: Recipient,
  structure: string,
  aad: Uint8Array = new Uint8Array(0),
): Promise<Uint8Array> {
  if (!constantTimeEqualB64(body.to, b64u(recipient.certificate.thumbprint))) {
    fail('thumbsMismatch', `${structure} is sealed to a key-exchange certificate this party does not hold`);
  }
  return hpkeOpenNative(
    await exchangeKey(recipient.privateKey),
    recipient.certificate.publicKey,
    fromB64u(body.enc, 'enc'),
    infoFor(structure),
    aad,
    fromB64u(body.ct, `${structure} ciphertext`),
  );
}

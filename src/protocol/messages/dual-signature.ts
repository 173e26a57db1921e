/**
 * The dual signature (SET Book 1 §"Dual signature"; SET-PROFILE §4.7):
 *   PI-TBS = "SET/2 PI-TBS" ‖ 0x00 ‖ SHA-256(PIData bytes) ‖ SHA-256(OIData bytes)
 *   DS     = ECDSA-P256-SHA256(cardholder signature key, PI-TBS)
 * The merchant checks it with H(PIData) and the OIData it sees; the gateway with the PIData it
 * opens and the H(OIData) the merchant vouches for. Neither sees the other's half.
 */

import { concatBytes, utf8 } from '../encoding.ts';
import { fail } from '../errors.ts';
import { signNative, verifyNative } from '../primitives/ecdsa.ts';
import type { PlatformKey } from '../primitives/provider.ts';
import { type Signer, signingKey } from './signed.ts';

const PI_TBS_PREFIX = concatBytes(utf8('SET/2 PI-TBS'), new Uint8Array([0]));

export function piTbs(hPIData: Uint8Array, hOIData: Uint8Array): Uint8Array {
  if (hPIData.length !== 32 || hOIData.length !== 32)
    fail('decodingFailure', 'dual-signature digests are 32 bytes');
  return concatBytes(PI_TBS_PREFIX, hPIData, hOIData);
}

export async function dualSign(
  hPIData: Uint8Array,
  hOIData: Uint8Array,
  privateKey: Signer['privateKey'],
): Promise<Uint8Array> {
  return signNative(piTbs(hPIData, hOIData), await signingKey(privateKey));
}

/** Throws signatureFailure when the dual signature does not cover these two digests. */
export async function verifyDualSignature(
  ds: Uint8Array,
  hPIData: Uint8Array,
  hOIData: Uint8Array,
  publicKey: PlatformKey | Uint8Array,
  who: string,
): Promise<void> {
  if (!(await verifyNative(ds, piTbs(hPIData, hOIData), publicKey))) {
    fail('signatureFailure', `the dual signature does not cover this ${who}`);
  }
}

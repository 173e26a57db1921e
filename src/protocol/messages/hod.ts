/**
 * HOD = H(OD, PurchAmt, ODSalt) (SET Book 2 §"OIData"; SET-PROFILE §4.3): binds the order
 * description to the amount. Its input is a fixed binary layout, so merchant and wallet compute
 * the same digest from the signed PInitRes fields without a canonical JSON.
 */
import { lengthPrefixed, utf8 } from '../encoding.ts';
import { sha256 } from '../primitives/hash.ts';
import type { Amount } from './fields.ts';

export function hod(od: string, purchAmt: Amount, odSalt: Uint8Array): Uint8Array {
  return sha256(
    lengthPrefixed(
      utf8('SET/2 HOD'),
      utf8(od),
      utf8(purchAmt.currency),
      utf8(String(purchAmt.value)),
      utf8(String(purchAmt.exponent)),
      odSalt,
    ),
  );
}

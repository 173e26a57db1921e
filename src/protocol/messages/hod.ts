/**
 * HOD = H(OD, PurchAmt, ODSalt[, InstallRecurData]) (SET Book 2 §"OIData" HODInput; SET-PROFILE
 * §4.3, §6): binds the order description to the amount, and to the payment plan when the order
 * declares one. Its input is a fixed binary layout, so merchant and wallet compute the same digest
 * from the signed PInitRes fields without a canonical JSON. Without a plan the layout is the
 * original one, so an order without a plan keeps its digest.
 */
import { lengthPrefixed, utf8 } from '../encoding.ts';
import { sha256 } from '../primitives/hash.ts';
import type { Amount } from './fields.ts';
import { type InstallRecurData, installRecurBytes } from './install-recur.ts';

export function hod(
  od: string,
  purchAmt: Amount,
  odSalt: Uint8Array,
  installRecurData?: InstallRecurData,
): Uint8Array {
  return sha256(
    lengthPrefixed(
      utf8('SET/2 HOD'),
      utf8(od),
      utf8(purchAmt.currency),
      utf8(String(purchAmt.value)),
      utf8(String(purchAmt.exponent)),
      odSalt,
      ...(installRecurData ? [installRecurBytes(installRecurData)] : []),
    ),
  );
}

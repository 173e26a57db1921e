import { b64u, fromB64u } from '../../src/protocol/encoding.ts';

/**
 * base64url bytes with the lowest bit of one byte flipped (`at` counts from the end when
 * negative): always a different, well-formed value. Rewriting the last characters of a value is
 * not a safe tamper: one signature in 256 already ends in the replacement, and the "tampering"
 * then changes nothing.
 */
export function flipByte(encoded: string, at: number): string {
  const bytes = fromB64u(encoded);
  const i = at < 0 ? bytes.length + at : at;
  bytes[i] = (bytes[i] ?? 0) ^ 0x01;
  return b64u(bytes);
}

/** A signature (r‖s) altered in s's lowest bit: s stays in range and low, so only the check refuses it. */
export const tamperedSig = (sig: string): string => flipByte(sig, -1);

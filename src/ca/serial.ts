/**
 * Certificate serial numbers as people paste them: `openssl x509 -serial` prints upper-case hex,
 * `openssl x509 -text` colon-separated bytes. Stored and compared in ParsedCertificate's form:
 * lower-case hex without leading zero bytes.
 */
import * as v from 'valibot';

export const SerialInput = v.pipe(
  v.string(),
  v.maxLength(80),
  v.regex(/^(?:0x)?[0-9A-Fa-f]{1,2}(?::?[0-9A-Fa-f]{2})*$/, 'must be a hexadecimal serial number'),
);

/** The canonical form, or undefined when `text` is not a serial number. */
export function normaliseSerial(text: string): string | undefined {
  if (!v.is(SerialInput, text)) return undefined;
  let hex = text.replace(/^0x/, '').replaceAll(':', '').toLowerCase();
  if (hex.length % 2 === 1) hex = `0${hex}`;
  while (hex.startsWith('00') && hex.length > 2) hex = hex.slice(2);
  // RFC 5280 §4.1.2.2: at most 20 octets.
  return hex.length <= 40 ? hex : undefined;
}

/**
 * Amounts as SET carries them (ISO 4217 currency, integer minor units, decimal exponent:
 * SET-PROFILE §3), shown with Intl.NumberFormat and read back from an operator's decimal text
 * without ever going through floating point.
 */
import type { Amount } from '../protocol/index.ts';

export function formatAmount(amount: Amount, locale = 'en'): string {
  const digits = amount.exponent;
  try {
    // value < 2^53 and exponent ≤ 4: the quotient's nearest double rounds back to the exact
    // decimal at `digits` places, so this display is exact.
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: amount.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount.value / 10 ** digits);
  } catch {
    return `${toDecimal(amount)} ${amount.currency}`;
  }
}

/** The amount as a plain decimal string, e.g. 1299 / exponent 2 → "12.99". */
export function toDecimal(amount: Amount): string {
  const digits = String(amount.value).padStart(amount.exponent + 1, '0');
  if (amount.exponent === 0) return digits;
  return `${digits.slice(0, -amount.exponent)}.${digits.slice(-amount.exponent)}`;
}

export const MAX_AMOUNT_VALUE = 1e15;

/**
 * Parses "12.5" or "12.50" into minor units for `exponent`; undefined when the text is not a
 * plain decimal, has more fraction digits than the currency, or exceeds SET/2's maximum.
 */
export function parseDecimal(text: string, exponent: number): number | undefined {
  const m = /^(\d{1,16})(?:\.(\d{1,4}))?$/.exec(text.trim());
  if (!m) return undefined;
  const fraction = m[2] ?? '';
  if (fraction.length > exponent) return undefined;
  const minor = BigInt(m[1]!) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
  return minor <= BigInt(MAX_AMOUNT_VALUE) ? Number(minor) : undefined;
}

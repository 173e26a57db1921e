/**
 * SET amounts for people (SET-PROFILE §3: an ISO 4217 currency, integer minor units and a decimal
 * exponent, never floating point), once for every party: the exact decimal, the display, and the
 * reading of what a person typed (a merchant's refund, an operator's capture).
 */
import type { Amount } from './messages/fields.ts';

/** The largest value in minor units SET/2 carries (the Amount schema's bound). */
export const MAX_AMOUNT_VALUE = 1e15;

/** The exact decimal: `{value: 123456, exponent: 2}` → `"1234.56"`. */
export function amountDecimal(amount: Amount): string {
  const digits = String(Math.trunc(Math.abs(amount.value))).padStart(amount.exponent + 1, '0');
  if (amount.exponent === 0) return digits;
  return `${digits.slice(0, -amount.exponent)}.${digits.slice(-amount.exponent)}`;
}

/**
 * The amount in its currency for `locale` ("€12.99", "12,99 €"), formatted by Intl.NumberFormat
 * from the exact decimal string (ECMA-402 takes strings exactly), so a large amount never goes
 * through a lossy division. A currency Intl does not know is shown as "12.99 XYZ".
 */
export function formatAmount(amount: Amount, locale?: string): string {
  try {
    const format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: amount.currency,
      minimumFractionDigits: amount.exponent,
      maximumFractionDigits: amount.exponent,
    });
    return (format.format as (v: number | string) => string)(amountDecimal(amount));
  } catch {
    return `${amountDecimal(amount)} ${amount.currency}`;
  }
}

/**
 * Reads a plain decimal a person typed ("12", "12.5", "12.50", or "12,50" with a decimal comma)
 * as minor units of `like`'s currency and exponent, without floating point. Undefined for
 * anything else: signs, exponents, grouping separators, more fraction digits than the currency
 * has, or more than SET/2's maximum.
 */
export function parseAmount(text: string, like: Pick<Amount, 'currency' | 'exponent'>): Amount | undefined {
  const m = /^(\d{1,16})(?:[.,](\d{1,4}))?$/.exec(text.trim());
  if (!m) return undefined;
  const fraction = m[2] ?? '';
  if (fraction.length > like.exponent) return undefined;
  const minor =
    BigInt(m[1]!) * 10n ** BigInt(like.exponent) + BigInt(fraction.padEnd(like.exponent, '0') || '0');
  if (minor > BigInt(MAX_AMOUNT_VALUE)) return undefined;
  return { currency: like.currency, value: Number(minor), exponent: like.exponent };
}

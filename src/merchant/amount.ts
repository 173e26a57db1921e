/**
 * SET amounts for people (SET-PROFILE §3: an ISO 4217 currency, integer minor units and a decimal
 * exponent, never floating point): formatting for display and parsing what a merchant types.
 */
import type { Amount } from '../protocol/index.ts';

export function formatAmount(amount: Amount, locale = 'en'): string {
  // value < 1e15 and exponent ≤ 4, so value / 10^exponent is the double nearest the decimal and
  // rounds back to it exactly at `exponent` fraction digits: safe for display, never for sums.
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: amount.currency,
    minimumFractionDigits: amount.exponent,
    maximumFractionDigits: amount.exponent,
  }).format(amount.value / 10 ** amount.exponent);
}

/**
 * Parses a decimal a person typed ("12", "12.5", "12.50") into minor units of `like`'s currency
 * and exponent, without floating point. Undefined for anything else (signs, separators, too many
 * decimals, more than 15 digits).
 */
export function parseAmountInput(
  text: string,
  like: Pick<Amount, 'currency' | 'exponent'>,
): Amount | undefined {
  const m = /^(\d{1,13})(?:[.,](\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const fraction = m[2] ?? '';
  if (fraction.length > like.exponent) return undefined;
  const value = Number(m[1]! + fraction.padEnd(like.exponent, '0'));
  if (!Number.isSafeInteger(value)) return undefined;
  return { currency: like.currency, value, exponent: like.exponent };
}

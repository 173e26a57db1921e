/**
 * Amounts, dates and expiries for display. An Amount is an integer in minor units with its ISO 4217
 * currency and exponent; it is formatted with Intl.NumberFormat from its exact decimal string, so a
 * large amount never goes through a lossy division.
 */
import type { Amount } from '../protocol/messages/fields.ts';

/** `{value: 123456, exponent: 2}` → `"1234.56"` */
export function amountDecimal(amount: Amount): string {
  const digits = String(Math.trunc(Math.abs(amount.value))).padStart(amount.exponent + 1, '0');
  const whole = digits.slice(0, digits.length - amount.exponent);
  const fraction = digits.slice(digits.length - amount.exponent);
  return amount.exponent === 0 ? whole : `${whole}.${fraction}`;
}

export function formatAmount(amount: Amount, locale?: string): string {
  try {
    const format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: amount.currency,
      minimumFractionDigits: amount.exponent,
      maximumFractionDigits: amount.exponent,
    });
    // Intl.NumberFormat takes a decimal string exactly (ECMA-402 2023); typed here for ES2022 libs.
    return (format.format as (v: number | string) => string)(amountDecimal(amount));
  } catch {
    return `${amountDecimal(amount)} ${amount.currency}`;
  }
}

export function formatDate(iso: string, locale?: string, withTime = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    ...(withTime ? { timeStyle: 'short' } : {}),
  }).format(d);
}

/** YYYYMM → the month and year in the user's locale (e.g. "03/2029"). */
export function formatExpiry(yyyymm: string, locale?: string): string {
  const m = /^(\d{4})(\d{2})$/.exec(yyyymm);
  if (!m) return yyyymm;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  return new Intl.DateTimeFormat(locale, { month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(d);
}

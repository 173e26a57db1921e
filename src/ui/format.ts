/**
 * Dates and card expiries for display, in the wallet's language. Amounts are formatted by
 * src/protocol/amount.ts, the one place every party formats and reads them.
 */

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

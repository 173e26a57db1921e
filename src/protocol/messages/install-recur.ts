/**
 * InstallRecurData (SET Book 2 "InstallRecurData"; SET-PROFILE §6 "Installments and recurring
 * payments"): the payment plan an order may declare. The merchant states it in PInitRes, the HOD
 * covers it (so the cardholder's dual signature does), the PIHead repeats it for the gateway, and
 * the gateway holds every later merchant-initiated payment to it.
 *
 * - `recurring`: a payment at most every `frequencyDays` days, none after the end of `until` (UTC);
 * - `installment`: `payments` payments in all (the first included), at most every `frequencyDays` days;
 * - both: no payment above `ceiling`, in the purchase's currency; the first is the PurchAmt.
 */
import * as v from 'valibot';
import { lengthPrefixed, utf8 } from '../encoding.ts';
import { fail } from '../errors.ts';
import { Amount } from './fields.ts';

export const MAX_INSTALLMENTS = 120;
const DAY_MS = 86_400_000;

/** A calendar date, YYYY-MM-DD (UTC). */
export const CalendarDate = v.pipe(
  v.string(),
  v.regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date YYYY-MM-DD'),
  v.check((s) => new Date(`${s}T00:00:00.000Z`).toISOString().startsWith(s), 'must be a real date'),
);

const FrequencyDays = v.pipe(
  v.number(),
  v.integer('frequencyDays must be a whole number of days'),
  v.minValue(1, 'frequencyDays is at least 1'),
  v.maxValue(366, 'frequencyDays is at most 366'),
);

export const InstallRecurData = v.variant('kind', [
  v.strictObject({
    kind: v.literal('recurring'),
    frequencyDays: FrequencyDays,
    until: CalendarDate,
    ceiling: Amount,
  }),
  v.strictObject({
    kind: v.literal('installment'),
    payments: v.pipe(
      v.number(),
      v.integer(),
      v.minValue(2, 'an installment plan has at least 2 payments'),
      v.maxValue(MAX_INSTALLMENTS, `an installment plan has at most ${MAX_INSTALLMENTS} payments`),
    ),
    frequencyDays: FrequencyDays,
    ceiling: Amount,
  }),
]);
export type InstallRecurData = v.InferOutput<typeof InstallRecurData>;

/** The plan's bytes inside the HOD: a fixed layout, so merchant and wallet compute the same digest. */
export function installRecurBytes(plan: InstallRecurData): Uint8Array {
  return lengthPrefixed(
    utf8('SET/2 InstallRecurData'),
    utf8(plan.kind),
    utf8(String(plan.frequencyDays)),
    utf8(plan.kind === 'recurring' ? plan.until : String(plan.payments)),
    utf8(plan.ceiling.currency),
    utf8(String(plan.ceiling.value)),
    utf8(String(plan.ceiling.exponent)),
  );
}

/** The first instant after the plan's last allowed day (recurring), or undefined. */
export function planEnd(plan: InstallRecurData): Date | undefined {
  return plan.kind === 'recurring' ? new Date(Date.parse(`${plan.until}T00:00:00.000Z`) + DAY_MS) : undefined;
}

/**
 * A plan makes sense with its purchase: the ceiling in the purchase's currency and not below the
 * first payment, and a recurring plan not already over. decodingFailure otherwise.
 */
export function checkInstallRecur(
  plan: InstallRecurData,
  purchAmt: { currency: string; value: number; exponent: number },
  now: Date,
): void {
  const c = plan.ceiling;
  if (c.currency !== purchAmt.currency || c.exponent !== purchAmt.exponent) {
    fail('decodingFailure', 'installRecurData.ceiling must be in the currency and exponent of PurchAmt');
  }
  if (c.value < purchAmt.value) {
    fail('decodingFailure', 'installRecurData.ceiling is below PurchAmt, the plan’s first payment');
  }
  const end = planEnd(plan);
  if (end && end.getTime() <= now.getTime()) {
    fail('decodingFailure', 'installRecurData.until is already past');
  }
}

export function samePlan(a: InstallRecurData | undefined, b: InstallRecurData | undefined): boolean {
  if (!a || !b) return a === b;
  const bytesA = installRecurBytes(a);
  const bytesB = installRecurBytes(b);
  return bytesA.length === bytesB.length && bytesA.every((x, i) => x === bytesB[i]);
}

/** Whole UTC calendar days from `from` to `to` (negative when `to` is earlier). */
export function calendarDaysBetween(from: Date, to: Date): number {
  const day = (d: Date) => Math.floor(d.getTime() / DAY_MS);
  return day(to) - day(from);
}

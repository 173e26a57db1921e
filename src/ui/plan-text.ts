/**
 * A payment plan (InstallRecurData, SET-PROFILE §6) in words for the confirmation window, before
 * Pay: "€9.99 every 30 days until 30 Nov 2027", "3 payments of €40.00, every 30 days". "Up to"
 * when the signed ceiling per payment is above the first payment. Amounts through
 * src/protocol/amount.ts, the date through Intl in the wallet's language (UTC: the plan's `until`
 * is a UTC calendar day).
 */
import { formatAmount } from '../protocol/amount.ts';
import type { Amount, InstallRecurData } from '../protocol/core.ts';

export interface PlanWords {
  /** A _locales message key. */
  key: 'planRecurring' | 'planRecurringUpTo' | 'planInstallments' | 'planInstallmentsUpTo';
  substitutions: string[];
}

export function planWords(plan: InstallRecurData, first: Amount, locale?: string): PlanWords {
  const each = formatAmount(plan.ceiling, locale);
  const upTo = plan.ceiling.value > first.value;
  const days = String(plan.frequencyDays);
  if (plan.kind === 'recurring') {
    const until = new Intl.DateTimeFormat(locale, {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      timeZone: 'UTC',
    }).format(new Date(`${plan.until}T00:00:00.000Z`));
    return { key: upTo ? 'planRecurringUpTo' : 'planRecurring', substitutions: [each, days, until] };
  }
  return {
    key: upTo ? 'planInstallmentsUpTo' : 'planInstallments',
    substitutions: [String(plan.payments), each, days],
  };
}

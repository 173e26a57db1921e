// The confirmation window's plan sentence (SET-PROFILE §6): planWords picks the message and its
// values, rendered here through the English _locales file the way browser.i18n does.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Amount } from '../../src/protocol/index.ts';
import { planWords } from '../../src/ui/plan-text.ts';

type Messages = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;
const en = JSON.parse(
  readFileSync(new URL('../../public/_locales/en/messages.json', import.meta.url), 'utf8'),
) as Messages;

function render(key: string, subs: string[]): string {
  const m = en[key];
  if (!m) throw new Error(`no message ${key}`);
  return m.message.replace(/\$([A-Z_]+)\$/g, (_all, name: string) => {
    const content = m.placeholders?.[name.toLowerCase()]?.content ?? '';
    return content.replace(/\$(\d)/g, (_d, n: string) => subs[Number(n) - 1] ?? '');
  });
}

const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });
const say = (w: ReturnType<typeof planWords>) => render(w.key, w.substitutions);

describe('the plan before Pay', () => {
  it('says a recurring plan with its amount, period and end date', () => {
    const plan = { kind: 'recurring', frequencyDays: 30, until: '2027-11-30', ceiling: EUR(999) } as const;
    expect(say(planWords(plan, EUR(999), 'en-GB'))).toBe('€9.99 every 30 days until 30 Nov 2027');
    expect(say(planWords(plan, EUR(500), 'en-GB'))).toBe('Up to €9.99 every 30 days until 30 Nov 2027');
  });

  it('says installments with their number and amount', () => {
    const plan = { kind: 'installment', payments: 3, frequencyDays: 30, ceiling: EUR(4000) } as const;
    expect(say(planWords(plan, EUR(4000), 'en-GB'))).toBe('3 payments of €40.00, every 30 days');
    expect(say(planWords(plan, EUR(3000), 'en-GB'))).toBe('3 payments of up to €40.00, every 30 days');
  });

  it('reads the end date as the UTC day the cardholder signed, in any time zone', () => {
    const plan = { kind: 'recurring', frequencyDays: 7, until: '2027-01-01', ceiling: EUR(100) } as const;
    expect(planWords(plan, EUR(100), 'en-GB').substitutions[2]).toBe('1 Jan 2027');
  });
});

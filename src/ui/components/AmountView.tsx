import { formatAmount } from '../../protocol/amount.ts';
import type { Amount } from '../../protocol/messages/fields.ts';
import { uiLocale } from '../i18n.ts';

export function AmountView({ amount, large }: { amount: Amount; large?: boolean }) {
  return <span class={`amount${large ? ' amount-large' : ''}`}>{formatAmount(amount, uiLocale())}</span>;
}

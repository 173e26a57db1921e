/**
 * The payment plans each card has signed (SET-PROFILE §6 InstallRecurData), for the popup: per
 * card, each plan's merchant, its terms in words (as the confirmation window showed them before
 * Pay), and its payments so far as the merchant last reported them in a signed answer. Opening one
 * opens its receipt, which asks the merchant again (InqReq) for the payments since.
 */
import { formatAmount } from '../../protocol/amount.ts';
import type { CardSummary } from '../../wallet/cards.ts';
import type { PlanSummary, ReceiptSummary } from '../../wallet/receipts.ts';
import { formatDate } from '../format.ts';
import { t, uiLocale } from '../i18n.ts';
import { planWords } from '../plan-text.ts';

/** "3 payments so far, €29.97 in all", "1 payment so far (€9.99)", "No payment yet". */
export function paymentsSoFarText(plan: Pick<PlanSummary, 'count' | 'total'>, locale?: string): string {
  if (plan.count === 0) return t('planPaymentsNone');
  const total = formatAmount(plan.total, locale);
  return plan.count === 1 ? t('planPaymentsOne', total) : t('planPaymentsMany', [String(plan.count), total]);
}

export function PlanList({
  cards,
  receipts,
  onOpen,
}: {
  cards: CardSummary[];
  receipts: ReceiptSummary[];
  onOpen: (receiptId: string) => void;
}) {
  const locale = uiLocale();
  const withPlans = cards
    .map((card) => ({ card, plans: receipts.filter((r) => r.cardId === card.id && r.plan) }))
    .filter((c) => c.plans.length > 0);
  if (withPlans.length === 0) return null;
  return (
    <section class="stack" aria-labelledby="plans-heading" id="plans">
      <h2 id="plans-heading">{t('plansHeading')}</h2>
      {withPlans.map(({ card, plans }) => (
        <section
          key={card.id}
          class="stack"
          aria-label={t('cardLabel', [card.brand, card.last4])}
          data-plan-card={card.id}
        >
          <h3>{t('cardLabel', [card.brand, card.last4])}</h3>
          <ul class="list">
            {plans.map((r) => {
              const plan = r.plan!;
              const words = planWords(plan.terms, plan.first, locale);
              return (
                <li key={r.id}>
                  <button type="button" class="receipt-row" data-plan={r.xid} onClick={() => onOpen(r.id)}>
                    <span class="spread">
                      <strong>{r.merchant.name}</strong>
                    </span>
                    <span data-plan-terms="">{t(words.key, words.substitutions)}</span>
                    <span data-plan-payments={plan.count}>{paymentsSoFarText(plan, locale)}</span>
                    {plan.lastPaidAt ? (
                      <span class="muted">{t('planLastPaid', formatDate(plan.lastPaidAt, locale))}</span>
                    ) : null}
                    <span class="muted">{t('planAsOf', formatDate(plan.asOf, locale, true))}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </section>
  );
}

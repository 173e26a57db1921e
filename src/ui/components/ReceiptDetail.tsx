import { useEffect, useState } from 'preact/hooks';
import type { PaymentState } from '../../protocol/messages/purchase/p-res.ts';
import type { ReceiptRecord } from '../../wallet/vault/db.ts';
import { downloadText } from '../download.ts';
import { declineText } from '../error-text.ts';
import { formatDate } from '../format.ts';
import { t, uiLocale } from '../i18n.ts';
import { planWords } from '../plan-text.ts';
import { receiptStateText } from '../receipt-text.ts';
import { call, errorInfo, type UiErrorInfo } from '../wallet-client.ts';
import { AmountView } from './AmountView.tsx';
import { Button } from './Button.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { MerchantIdentity } from './MerchantIdentity.tsx';
import { paymentsSoFarText } from './PlanList.tsx';

/** A receipt kept before states were: what its status implies (as the background's stateOfReceipt). */
function stateOf(r: ReceiptRecord): PaymentState {
  if (r.state) return r.state;
  if (r.status !== 'approved') return r.status;
  return r.completionCode === 'capturePerformed' ? 'captured' : 'authorized';
}

/** The plan signed with the purchase and its payments so far, as the merchant last reported them. */
function PlanFacts({ receipt, locale }: { receipt: ReceiptRecord; locale: string }) {
  const plan = receipt.installRecurData!;
  const words = planWords(plan, receipt.amount, locale);
  const approved = receipt.status === 'approved';
  const payments =
    receipt.payments ?? (approved ? [{ date: receipt.date, amount: receipt.resultAmount }] : []);
  const count = Math.max(receipt.paymentCount ?? 0, payments.length);
  const total = { ...receipt.amount, value: payments.reduce((sum, p) => sum + p.amount.value, 0) };
  return (
    <>
      <dt>{t('receiptPlan')}</dt>
      <dd data-receipt-plan="">{t(words.key, words.substitutions)}</dd>
      <dt>{t('receiptPlanPayments')}</dt>
      <dd data-receipt-payments={count}>
        {paymentsSoFarText({ count, total }, locale)}
        {payments.length > 0 ? (
          <ol>
            {payments.map((p) => (
              <li key={p.date}>
                {formatDate(p.date, locale)}: <AmountView amount={p.amount} />
              </li>
            ))}
          </ol>
        ) : null}
      </dd>
    </>
  );
}

/**
 * One receipt and what the wallet verified about it; exports the signed message as JSON. Opening
 * it asks the shop where the payment stands (the background's InqReq); the receipt changes only
 * with a signed answer the background verified.
 */
export function ReceiptDetail({ receipt: kept, onBack }: { receipt: ReceiptRecord; onBack: () => void }) {
  const locale = uiLocale();
  const [error, setError] = useState<UiErrorInfo>();
  const [receipt, setReceipt] = useState(kept);
  const [asking, setAsking] = useState<'asking' | 'asked' | 'failed'>('asking');
  const refresh = async () => {
    setAsking('asking');
    try {
      setReceipt(await call({ type: 'receipts.refresh', receiptId: kept.id }));
      setAsking('asked');
    } catch {
      setAsking('failed');
    }
  };
  useEffect(() => void refresh(), [kept.id]);
  const state = stateOf(receipt);
  const exportJson = async () => {
    setError(undefined);
    try {
      const json = await call({ type: 'receipts.export', receiptId: receipt.id });
      downloadText(`set-receipt-${receipt.id.slice(0, 16)}.json`, json);
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  const m = receipt.merchant;
  return (
    <section class="stack" aria-labelledby="receipt-heading">
      <Button variant="link" onClick={onBack} autoFocus>
        {t('backToWallet')}
      </Button>
      <h1 id="receipt-heading">{t('receiptHeading')}</h1>
      <MerchantIdentity merchant={m} headingLevel={2} />
      <dl class="facts">
        <dt>{t('receiptStatus')}</dt>
        <dd data-receipt-state={state}>{receiptStateText(state)}</dd>
        {receipt.results && receipt.results.captured.value > 0 ? (
          <>
            <dt>{t('receiptCaptured')}</dt>
            <dd>
              <AmountView amount={receipt.results.captured} />
            </dd>
          </>
        ) : null}
        {receipt.results && receipt.results.credited.value > 0 ? (
          <>
            <dt>{t('receiptRefunded')}</dt>
            <dd>
              <AmountView amount={receipt.results.credited} />
            </dd>
          </>
        ) : null}
        <dt>{t('receiptAmount')}</dt>
        <dd>
          <AmountView amount={receipt.amount} />
        </dd>
        <dt>{t('receiptOrder')}</dt>
        <dd>{receipt.od}</dd>
        {receipt.installRecurData ? <PlanFacts receipt={receipt} locale={locale} /> : null}
        {receipt.unsigned ? (
          <>
            <dt>{t('receiptSignature')}</dt>
            <dd data-receipt-unsigned="">{t('receiptUnsigned')}</dd>
          </>
        ) : null}
        {receipt.authCode ? (
          <>
            <dt>{t('receiptAuthCode')}</dt>
            <dd class="mono">{receipt.authCode}</dd>
          </>
        ) : null}
        {receipt.status === 'declined' ? (
          <>
            <dt>{t('receiptReason')}</dt>
            <dd>{declineText(receipt.reason)}</dd>
          </>
        ) : null}
        <dt>{t('receiptDate')}</dt>
        <dd>{formatDate(receipt.date, locale, true)}</dd>
        <dt>{t('receiptCard')}</dt>
        <dd>{t('cardLabel', [receipt.brand, receipt.cardLast4])}</dd>
        <dt>{t('receiptXid')}</dt>
        <dd class="mono">{receipt.id}</dd>
        <dt>{t('receiptMerchantId')}</dt>
        <dd class="mono">{m.merchantId}</dd>
        <dt>{t('receiptPageOrigin')}</dt>
        <dd class="mono">{receipt.tabOrigin}</dd>
      </dl>
      <h2>{t('receiptVerifiedHeading')}</h2>
      <ul>
        <li>{t(receipt.kind === 'PRes' ? 'receiptVerifiedPRes' : 'receiptVerifiedInqRes', m.name)}</li>
        <li>{t(m.sandbox ? 'receiptVerifiedChainSandbox' : 'receiptVerifiedChain')}</li>
        <li>{t('receiptVerifiedOrigin', [receipt.tabOrigin, m.origins.join(', ')])}</li>
        <li>{t('receiptVerifiedAmount')}</li>
        <li>{t('receiptVerifiedAnswers')}</li>
      </ul>
      {receipt.inquiries?.length ? (
        <p class="muted">{t('receiptVerifiedInquiries', String(receipt.inquiries.length))}</p>
      ) : null}
      <p class="muted">
        {t('receiptThumbprint')} <span class="mono">{m.thumbprint}</span>
      </p>
      <p class="muted" role="status">
        {asking === 'asking'
          ? t('receiptRefreshing')
          : asking === 'failed'
            ? t('receiptRefreshFailed')
            : t('receiptRefreshed', formatDate(receipt.date, locale, true))}
      </p>
      <ErrorNotice error={error} />
      <div class="actions">
        <Button variant="primary" onClick={() => void exportJson()}>
          {t('receiptExport')}
        </Button>
        <Button onClick={() => void refresh()} disabled={asking === 'asking'}>
          {t('receiptRefresh')}
        </Button>
      </div>
    </section>
  );
}

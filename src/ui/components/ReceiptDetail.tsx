import { useState } from 'preact/hooks';
import type { ReceiptRecord } from '../../wallet/vault/db.ts';
import { downloadText } from '../download.ts';
import { declineText } from '../error-text.ts';
import { formatDate } from '../format.ts';
import { t, uiLocale } from '../i18n.ts';
import { call, errorInfo, type UiErrorInfo } from '../wallet-client.ts';
import { AmountView } from './AmountView.tsx';
import { Button } from './Button.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { MerchantIdentity } from './MerchantIdentity.tsx';

export function receiptStatusText(status: ReceiptRecord['status']): string {
  return t(`receiptStatus_${status}`);
}

/** One receipt and what the wallet verified about it; exports the signed message as JSON. */
export function ReceiptDetail({ receipt, onBack }: { receipt: ReceiptRecord; onBack: () => void }) {
  const locale = uiLocale();
  const [error, setError] = useState<UiErrorInfo>();
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
        <dd>{receiptStatusText(receipt.status)}</dd>
        <dt>{t('receiptAmount')}</dt>
        <dd>
          <AmountView amount={receipt.amount} />
        </dd>
        <dt>{t('receiptOrder')}</dt>
        <dd>{receipt.od}</dd>
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
      <p class="muted">
        {t('receiptThumbprint')} <span class="mono">{m.thumbprint}</span>
      </p>
      <ErrorNotice error={error} />
      <div class="actions">
        <Button variant="primary" onClick={() => void exportJson()}>
          {t('receiptExport')}
        </Button>
      </div>
    </section>
  );
}

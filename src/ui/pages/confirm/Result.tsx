/** How a request ended: approved, declined, pending, cancelled, refused or failed; Close. */
import type { JSX } from 'preact';
import type { PurchaseView } from '../../../wallet/purchase.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { declineText } from '../../error-text.ts';
import { t } from '../../i18n.ts';
import { CloseRow } from './shared.tsx';

export function Result({ view }: { view: PurchaseView }) {
  const r = view.receipt;
  let notice: JSX.Element;
  if (view.state === 'done' && r) {
    if (r.status === 'approved') {
      notice = (
        <div class="notice notice-ok" role="status">
          <p>
            <strong>{t('resultApproved')}</strong>
          </p>
          {r.authCode ? <p>{t('resultAuthCode', r.authCode)}</p> : null}
          {view.unsigned ? <p id="result-unsigned">{t('resultUnsigned')}</p> : null}
          <p class="muted mono">{t('resultXid', r.xid)}</p>
        </div>
      );
    } else if (r.status === 'declined') {
      notice = (
        <div class="notice notice-error" role="alert">
          <p>
            <strong>{t('resultDeclined')}</strong>
          </p>
          <p>{declineText(r.reason)}</p>
          <p>{t('resultDeclinedNothingCharged')}</p>
        </div>
      );
    } else {
      notice = (
        <div class="notice notice-warn" role="status">
          <p>
            <strong>{t('resultPending')}</strong>
          </p>
          <p>{t('resultPendingExplained')}</p>
        </div>
      );
    }
  } else if (view.state === 'rejected') {
    notice = (
      <p class="notice notice-warn" role="status">
        {t('resultCancelled')}
      </p>
    );
  } else if (view.error?.code === 'originMismatch') {
    // The origin-binding box above says why; here only what it means.
    notice = (
      <p class="notice notice-error" role="alert">
        {t('resultRefused')}
      </p>
    );
  } else {
    notice = (
      <ErrorNotice
        error={view.error ?? { code: 'requestClosed', messageKey: 'error_requestClosed', params: {} }}
      />
    );
  }
  return (
    <section class="stack" aria-labelledby="result-heading">
      <h2 id="result-heading">{t('resultHeading')}</h2>
      {notice}
      <CloseRow />
    </section>
  );
}

/**
 * The toolbar popup: the wallet's status (first run → settings; locked → the passphrase and
 * nothing else; lock now), "Pay at <origin>" when the current tab declares a payment initiation
 * (or "Register a card" for a registration initiation), the cards (renewal when a certificate
 * ends within 30 days), the payment plans each card has signed with their payments so far,
 * registrations the issuer left pending ("Check again"), and the receipts with a detail view and
 * JSON export.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { CardSummary } from '../../wallet/cards.ts';
import type { ReceiptSummary } from '../../wallet/receipts.ts';
import type { UiValue } from '../../wallet/switchboard.ts';
import type { ReceiptRecord } from '../../wallet/vault/db.ts';
import type { VaultStatus } from '../../wallet/vault/vault.ts';
import { AmountView } from '../components/AmountView.tsx';
import { Button } from '../components/Button.tsx';
import { CardView } from '../components/CardView.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PlanList } from '../components/PlanList.tsx';
import { Progress } from '../components/Progress.tsx';
import { SandboxBadge } from '../components/SandboxBadge.tsx';
import { UnlockForm } from '../components/UnlockForm.tsx';
import { formatDate } from '../format.ts';
import { t, uiLocale } from '../i18n.ts';
import { lazy } from '../lazy.tsx';
import { receiptStateText } from '../receipt-text.ts';
import { call, errorInfo, type UiErrorInfo } from '../wallet-client.ts';

// Renewal and pending registrations: a chunk of their own, loaded when the cards show; a receipt's
// detail view: one loaded when a receipt is opened (issue 11).
const RenewalNotice = lazy(
  async () => (await import('../components/CardRenewal.tsx')).RenewalNotice,
  'quiet',
);
const PendingRegistrations = lazy(
  async () => (await import('../components/CardRenewal.tsx')).PendingRegistrations,
  'quiet',
);
const ReceiptDetail = lazy(async () => (await import('../components/ReceiptDetail.tsx')).ReceiptDetail);

type TabInitiations = UiValue<'initiations.forTab'>;

async function currentTabId(): Promise<number | undefined> {
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab?.id !== undefined && tab.id >= 0 ? tab.id : undefined;
}

const openSettings = () => void browser.runtime.openOptionsPage().then(() => window.close());

export function PopupPage() {
  const [status, setStatus] = useState<VaultStatus>();
  const [tabId, setTabId] = useState<number>();
  const [here, setHere] = useState<TabInitiations>();
  const [cards, setCards] = useState<CardSummary[]>([]);
  const [receipts, setReceipts] = useState<ReceiptSummary[]>([]);
  const [detail, setDetail] = useState<ReceiptRecord>();
  /** The activity list shows one card's receipts, or all. */
  const [cardFilter, setCardFilter] = useState('');
  const [error, setError] = useState<UiErrorInfo>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const id = await currentTabId();
      const [s, c, r, i] = await Promise.all([
        call({ type: 'vault.status' }),
        call({ type: 'cards.list' }),
        call({ type: 'receipts.list' }),
        id === undefined ? Promise.resolve(undefined) : call({ type: 'initiations.forTab', tabId: id }),
      ]);
      setTabId(id);
      setStatus(s);
      setCards(c);
      setReceipts(r);
      setHere(i);
    } catch (e) {
      setError(errorInfo(e));
    }
  }, []);
  useEffect(() => void load(), [load]);

  const payHere = async () => {
    if (tabId === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      await call({ type: 'purchase.start', tabId });
      window.close();
    } catch (e) {
      // alreadyPending: the background has brought its window forward.
      if (errorInfo(e).code === 'alreadyPending') window.close();
      else setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };
  const registerHere = async () => {
    if (tabId === undefined) return;
    await call({ type: 'registration.openWindow', tabId });
    window.close();
  };
  const lockNow = async () => {
    await call({ type: 'vault.lock' }).catch(() => {});
    await load();
  };
  const openReceipt = async (id: string) => {
    try {
      setDetail(await call({ type: 'receipts.get', receiptId: id }));
    } catch (e) {
      setError(errorInfo(e));
    }
  };

  if (!status) {
    return (
      <main class="popup">{error ? <ErrorNotice error={error} /> : <Progress text={t('loading')} />}</main>
    );
  }
  if (detail) {
    return (
      <main class="popup">
        <ReceiptDetail
          receipt={detail}
          onBack={() => {
            setDetail(undefined);
            // Opening it may have brought news (a later payment of a plan): list what is kept now.
            void load();
          }}
        />
      </main>
    );
  }
  return (
    <main class="popup stack">
      <header class="spread">
        <h1>{t('extName')}</h1>
        <span class={`badge ${status.unlocked ? 'badge-ok' : ''}`}>
          {t(!status.exists ? 'statusNew' : status.unlocked ? 'statusUnlocked' : 'statusLocked')}
        </span>
      </header>

      {!status.exists ? (
        <section class="stack" aria-labelledby="welcome-heading">
          <h2 id="welcome-heading">{t('welcomeHeading')}</h2>
          <p>{t('welcomeText')}</p>
          <Button variant="primary" wide onClick={openSettings} autoFocus>
            {t('welcomeSetUp')}
          </Button>
        </section>
      ) : null}

      <ErrorNotice error={error} />

      {status.unlocked ? (
        <section class="stack" aria-labelledby="here-heading">
          <h2 id="here-heading">{t('popupThisPage')}</h2>
          {here?.payment ? (
            <Button variant="primary" wide busy={busy} onClick={() => void payHere()} autoFocus>
              {t('popupPayAt', here.payment.origin)}
            </Button>
          ) : null}
          {here?.registration ? (
            <Button variant={here.payment ? 'secondary' : 'primary'} wide onClick={() => void registerHere()}>
              {t('popupRegisterAt', here.registration.origin)}
            </Button>
          ) : null}
          {!here?.payment && !here?.registration ? <p class="muted">{t('popupEmpty')}</p> : null}
        </section>
      ) : null}

      {status.exists && !status.unlocked ? (
        <section class="stack" aria-labelledby="unlock-heading">
          <h2 id="unlock-heading">{t('unlockHeading')}</h2>
          <UnlockForm onUnlocked={() => void load()} autoFocus />
        </section>
      ) : null}

      {status.unlocked ? (
        <section class="stack" aria-labelledby="cards-heading">
          <h2 id="cards-heading">{t('cardsHeading')}</h2>
          {cards.length === 0 ? <p class="muted">{t('cardsEmpty')}</p> : null}
          <ul class="list">
            {cards.map((c) => (
              <li key={c.id} class="card stack">
                <CardView card={c} />
                <RenewalNotice card={c} onChanged={() => void load()} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {status.unlocked ? <PendingRegistrations onChanged={() => void load()} /> : null}

      {status.unlocked ? (
        <PlanList cards={cards} receipts={receipts} onOpen={(id) => void openReceipt(id)} />
      ) : null}

      {status.unlocked ? (
        <section class="stack" aria-labelledby="receipts-heading">
          <h2 id="receipts-heading">{t('receiptsHeading')}</h2>
          {cards.length > 1 ? (
            <label class="field">
              <span>{t('receiptsFilterCard')}</span>
              <select
                value={cardFilter}
                onChange={(e) => setCardFilter((e.target as HTMLSelectElement).value)}
                data-receipts-filter=""
              >
                <option value="">{t('receiptsFilterAll')}</option>
                {cards.map((c) => (
                  <option key={c.id} value={c.id}>
                    {t('cardLabel', [c.brand, c.last4])}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          {receipts.length === 0 ? <p class="muted">{t('receiptsEmpty')}</p> : null}
          <ul class="list">
            {receipts
              .filter((r) => cardFilter === '' || r.cardId === cardFilter)
              .map((r) => (
                <li key={r.id}>
                  <ReceiptRow receipt={r} onOpen={() => void openReceipt(r.id)} />
                </li>
              ))}
          </ul>
        </section>
      ) : null}

      <footer class="spread">
        <Button variant="link" onClick={openSettings}>
          {t('openSettings')}
        </Button>
        {status.unlocked ? <Button onClick={() => void lockNow()}>{t('lockNow')}</Button> : null}
      </footer>
    </main>
  );
}

function ReceiptRow({ receipt, onOpen }: { receipt: ReceiptSummary; onOpen: () => void }) {
  const tone =
    receipt.state === 'declined' || receipt.state === 'reversed'
      ? 'badge-bad'
      : receipt.status === 'approved'
        ? 'badge-ok'
        : '';
  return (
    <button type="button" class="receipt-row" onClick={onOpen}>
      <span class="spread">
        <strong>{receipt.merchant.name}</strong>
        <AmountView amount={receipt.amount} />
      </span>
      <span class="spread">
        <span class="muted">{formatDate(receipt.date, uiLocale(), true)}</span>
        <span class="row">
          <SandboxBadge show={receipt.sandbox} />
          <span class={`badge ${tone}`}>{receiptStateText(receipt.state)}</span>
        </span>
      </span>
      <span class="muted mono">{t('receiptXidShort', receipt.xid.slice(0, 12))}</span>
    </button>
  );
}

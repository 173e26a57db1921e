/**
 * Card renewal and pending registrations, as the popup and the settings show them: a card whose
 * certificate ends within 30 days offers "Renew" (the background asks the card's CCA, the old key
 * co-signing); an expired one says so and sends the shopper to the bank's site to register it
 * again (the same card in the wallet); a registration the issuer left pending offers "Check again".
 */
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { CardSummary } from '../../wallet/cards.ts';
import type { PendingRegistrationSummary, RegistrationView } from '../../wallet/registration.ts';
import { formatDate } from '../format.ts';
import { t, uiLocale } from '../i18n.ts';
import { call, errorInfo, type UiErrorInfo } from '../wallet-client.ts';
import { Button } from './Button.tsx';
import { cardLabel } from './CardView.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';

/** What a renewal or a "check again" came to, in words. */
export function outcomeText(view: RegistrationView): string {
  if (view.step === 'done' && view.card) {
    return view.renews
      ? t('renewalDone', [cardLabel(view.card), formatDate(view.card.validTo, uiLocale())])
      : t('pendingDone', cardLabel(view.card));
  }
  if (view.step === 'pending') return t(view.lost ? 'registerLost' : 'pendingStill');
  return t('renewalRefused', view.reason ?? '');
}

/** Runs one request for a row: busy while it runs, its outcome or its error shown beside it. */
function useRow(onChanged: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiErrorInfo>();
  const [outcome, setOutcome] = useState<RegistrationView>();
  const run = async (fn: () => Promise<RegistrationView>) => {
    setBusy(true);
    setError(undefined);
    try {
      const view = await fn();
      setOutcome(view);
      if (view.step !== 'rejected') onChanged();
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, outcome, run };
}

function Outcome({ view }: { view: RegistrationView | undefined }) {
  if (!view) return null;
  const tone = view.step === 'done' ? 'notice-ok' : view.step === 'pending' ? 'notice-warn' : 'notice-error';
  return (
    <div class={`notice ${tone}`} role="status" data-renewal-outcome={view.step}>
      <p>{outcomeText(view)}</p>
    </div>
  );
}

/** Under a card: renewal when due, what to do when expired; nothing for a current certificate. */
export function RenewalNotice({ card, onChanged }: { card: CardSummary; onChanged: () => void }) {
  const { busy, error, outcome, run } = useRow(onChanged);
  const locale = uiLocale();
  if (card.renewal === 'none') return <Outcome view={outcome} />;
  const registerAgain = card.registeredAt;
  return (
    <div class="stack" data-renewal={card.renewal}>
      {card.renewal === 'due' ? (
        <div class="notice notice-warn" role="status">
          <p>{t('renewalDue', formatDate(card.validTo, locale))}</p>
          {card.registeredAt ? (
            <Button
              busy={busy}
              onClick={() => void run(() => call({ type: 'cards.renew', cardId: card.id }))}
            >
              {t('renewalButton', cardLabel(card))}
            </Button>
          ) : (
            <p>{t('error_notRenewable')}</p>
          )}
        </div>
      ) : (
        <div class="notice notice-error" role="status">
          <p>{t('renewalExpired', formatDate(card.validTo, locale))}</p>
          {registerAgain ? (
            <Button onClick={() => void browser.tabs.create({ url: registerAgain })}>
              {t('renewalRegisterAgain', registerAgain)}
            </Button>
          ) : null}
        </div>
      )}
      <Outcome view={outcome} />
      <ErrorNotice error={error} />
    </div>
  );
}

/** The registrations the issuer left pending, each with "Check again"; nothing when there are none. */
export function PendingRegistrations({ onChanged }: { onChanged: () => void }) {
  const [pending, setPending] = useState<PendingRegistrationSummary[]>([]);
  const [done, setDone] = useState<RegistrationView[]>([]);
  const load = async () => setPending(await call({ type: 'registration.pending' }).catch(() => []));
  useEffect(() => void load(), []);
  if (pending.length === 0 && done.length === 0) return null;
  return (
    <section class="stack" aria-labelledby="pending-heading">
      <h2 id="pending-heading">{t('pendingHeading')}</h2>
      <ul class="list">
        {pending.map((p) => (
          <PendingRow
            key={p.registrationId}
            pending={p}
            onChanged={(view) => {
              if (view.step !== 'pending') {
                setDone((d) => [...d, view]);
                void load();
              }
              onChanged();
            }}
          />
        ))}
      </ul>
      {done.map((view) => (
        <Outcome key={view.registrationId} view={view} />
      ))}
    </section>
  );
}

function PendingRow({
  pending,
  onChanged,
}: {
  pending: PendingRegistrationSummary;
  onChanged: (view: RegistrationView) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiErrorInfo>();
  const [still, setStill] = useState<RegistrationView>();
  const card = cardLabel({ brand: pending.brand, last4: pending.last4 });
  const check = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const view = await call({ type: 'registration.inquire', registrationId: pending.registrationId });
      if (view.step === 'pending') setStill(view);
      onChanged(view);
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="card stack" data-pending-registration={pending.registrationId}>
      <p>
        {t(pending.renews ? 'pendingRenewalItem' : 'pendingItem', [
          card,
          pending.caName,
          formatDate(pending.since, uiLocale(), true),
        ])}
      </p>
      <Button busy={busy} onClick={() => void check()}>
        {t('pendingCheckAgain', card)}
      </Button>
      <Outcome view={still} />
      <ErrorNotice error={error} />
    </li>
  );
}

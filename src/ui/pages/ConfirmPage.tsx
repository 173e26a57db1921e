import { useEffect, useState } from 'preact/hooks';
import { formatAmount } from '../../protocol/amount.ts';
import type { Amount, InstallRecurData } from '../../protocol/core.ts';
import type { PurchaseView } from '../../wallet/purchase.ts';
import { AmountView } from '../components/AmountView.tsx';
import { Button } from '../components/Button.tsx';
import { CardPicker } from '../components/CardPicker.tsx';
import { CardView } from '../components/CardView.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Field } from '../components/Field.tsx';
import { MerchantIdentity } from '../components/MerchantIdentity.tsx';
import { Progress } from '../components/Progress.tsx';
import { ConfirmFlow, type ConfirmState } from '../confirm-flow.ts';
import { t, uiLocale } from '../i18n.ts';
import { useInputDelay } from '../input-delay.ts';
import { lazy } from '../lazy.tsx';
import { planWords } from '../plan-text.ts';
import { call, errorInfo } from '../wallet-client.ts';
import { CloseRow, closeWindow, DelayNote, Heading, useEscape } from './confirm/shared.tsx';

// The question before a request and the reason one could not start: chunks of their own, so that
// a request's window (the usual one) does not load them (issue 11).
const AskFirst = lazy(async () => (await import('./confirm/AskFirst.tsx')).AskFirst);
const CouldNotStart = lazy(async () => (await import('./confirm/CouldNotStart.tsx')).CouldNotStart);
// The outcome: fetched after the request's window has shown (Confirmation), shown when it ends,
// in the same frame as the view that ended it.
const Result = lazy(async () => (await import('./confirm/Result.tsx')).Result);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function ConfirmPage() {
  const params = new URLSearchParams(location.search);
  const requestId = params.get('request');
  if (requestId) return <Confirmation requestId={requestId} />;
  const tab = Number(params.get('tab') ?? Number.NaN);
  if (Number.isSafeInteger(tab) && tab >= 0) return <AskFirst tabId={tab} />;
  return <CouldNotStart raw={params.get('error')} />;
}

/** The window's flow (src/ui/confirm-flow.ts), its state as Preact state. */
function useConfirmFlow(requestId: string) {
  const [flow] = useState(
    () => new ConfirmFlow(requestId, { call, wait: sleep, close: closeWindow, errorInfo }),
  );
  const [state, setState] = useState<ConfirmState>(flow.state);
  useEffect(() => {
    const stop = flow.subscribe(setState);
    void flow.start();
    return () => {
      stop();
      flow.dispose();
    };
  }, [flow]);
  return { flow, state };
}

function Confirmation({ requestId }: { requestId: string }) {
  const { flow, state } = useConfirmFlow(requestId);
  const { view, vault, cardId, phase, error, loadError, unsigned } = state;
  const [passphrase, setPassphrase] = useState('');
  const delay = useInputDelay(view?.state);
  // The outcome's chunk, once the window has shown: there when the request ends (a failure to fetch
  // it is retried, and told, when the outcome renders).
  useEffect(() => Result.preload(), []);

  useEscape(() => void flow.cancel());
  const cancel = () => void flow.cancel();
  const pay = async (e: Event) => {
    e.preventDefault();
    // Within the input delay a click, Enter or Space may have been meant for another window.
    if (!delay.isReady()) return;
    await flow.pay(passphrase);
    if (flow.state.vault?.unlocked) setPassphrase('');
  };

  if (loadError && !view) {
    return (
      <main class="stack">
        <h1>{t('confirmTitle')}</h1>
        <ErrorNotice error={loadError} />
        <CloseRow />
      </main>
    );
  }
  if (!view || !vault) return <Progress text={t('loading')} />;

  const finished = view.state === 'done' || view.state === 'failed' || view.state === 'rejected';
  return (
    <main class="stack">
      <Heading text={t(finished ? 'confirmTitleFinished' : 'confirmTitle')} />
      <PageAndMerchant view={view} />
      {view.state === 'initiated' ? <Progress text={t('confirmWaitingForMerchant')} /> : null}
      {view.order ? <OrderFacts view={view} /> : null}
      {view.state === 'awaitingConfirmation' ? (
        <form class="stack" onSubmit={pay}>
          <CardChoice
            view={view}
            cardId={cardId}
            onChange={(id) => flow.chooseCard(id)}
            disabled={phase !== 'idle'}
          />
          {view.unsignedOffered ? (
            <UnsignedChoice
              checked={unsigned}
              disabled={phase !== 'idle'}
              onChange={(on) => flow.chooseUnsigned(on)}
            />
          ) : null}
          {vault.unlocked ? null : (
            <Field
              id="confirm-passphrase"
              label={t('confirmPassphraseLabel')}
              hint={t('confirmPassphraseHint')}
              type="password"
              autoComplete="current-password"
              required
              value={passphrase}
              disabled={phase !== 'idle'}
              onInput={(e) => setPassphrase(e.currentTarget.value)}
            />
          )}
          <ErrorNotice error={error} />
          {phase === 'paying' ? <Progress text={t('confirmPaying')} /> : null}
          {phase === 'reconnecting' ? <Progress text={t('confirmReconnecting')} /> : null}
          <DelayNote ready={delay.ready} />
          <div class="actions">
            <Button onClick={cancel} disabled={phase !== 'idle'}>
              {t('cancelButton')}
            </Button>
            <Button
              type="submit"
              variant="primary"
              busy={phase === 'paying' || phase === 'reconnecting'}
              disabled={!cardId}
              waiting={!delay.ready}
              aria-describedby={delay.ready ? undefined : 'input-delay-note'}
            >
              {view.order
                ? t('confirmPayButton', formatAmount(view.order.amount, uiLocale()))
                : t('confirmPayButtonPlain')}
            </Button>
          </div>
        </form>
      ) : null}
      {view.state === 'paying' ? (
        <>
          <Progress text={phase === 'reconnecting' ? t('confirmReconnecting') : t('confirmPaying')} />
          <ErrorNotice error={error}>
            {phase === 'idle' ? (
              <Button variant="primary" onClick={() => void flow.retry()}>
                {t('retryButton')}
              </Button>
            ) : null}
          </ErrorNotice>
        </>
      ) : null}
      {finished ? <Result view={view} /> : null}
      {view.state === 'initiated' ? (
        <div class="actions">
          <Button onClick={cancel}>{t('cancelButton')}</Button>
        </div>
      ) : null}
    </main>
  );
}

/** Who is asking: the page as the browser reported it, the merchant as its certificate names it, and whether they agree. */
function PageAndMerchant({ view }: { view: PurchaseView }) {
  const binding = view.originBinding;
  return (
    <section class="card stack" aria-labelledby="merchant-heading">
      <h2 id="merchant-heading" class="visually-hidden">
        {t('confirmMerchantHeading')}
      </h2>
      {view.merchant ? (
        <>
          <MerchantIdentity merchant={view.merchant} headingLevel={3} />
          <p class="muted">{t('confirmMerchantVerified')}</p>
        </>
      ) : null}
      <dl class="facts">
        <dt>{t('confirmPageOrigin')}</dt>
        <dd class="mono">{view.tabOrigin}</dd>
      </dl>
      {binding ? (
        binding.ok ? (
          <p class="row">
            <span class="badge badge-ok">{t('originBindingOkBadge')}</span>
            <span>{t('originBindingOk', binding.tabOrigin)}</span>
          </p>
        ) : (
          <div class="notice notice-error" role="alert">
            <p>
              <strong>{t('originBindingMismatchTitle')}</strong>
            </p>
            <p>
              {t('originBindingMismatch', [
                binding.tabOrigin,
                binding.certificateOrigins.join(', ') || t('originBindingNone'),
              ])}
            </p>
          </div>
        )
      ) : null}
    </section>
  );
}

/** The plan the cardholder signs with the order (SET-PROFILE §6), plainly, before Pay. */
function PlanFacts({ plan, first }: { plan: InstallRecurData; first: Amount }) {
  const words = planWords(plan, first, uiLocale());
  return (
    <div class="notice" role="note" aria-labelledby="plan-heading">
      <h3 id="plan-heading">{t('confirmPlanHeading')}</h3>
      <p id="plan-terms">
        <strong>{t(words.key, words.substitutions)}</strong>
      </p>
      <p class="muted">{t('confirmPlanNote')}</p>
    </div>
  );
}

function OrderFacts({ view }: { view: PurchaseView }) {
  const order = view.order!;
  return (
    <section class="stack" aria-labelledby="order-heading">
      <h2 id="order-heading">{t('confirmOrderHeading')}</h2>
      <p>
        <AmountView amount={order.amount} large />
      </p>
      <p>{order.od}</p>
      {order.installRecurData ? <PlanFacts plan={order.installRecurData} first={order.amount} /> : null}
      <p class="muted">{t('confirmSignedBy')}</p>
      {order.pageAmountDiffers ? (
        <p class="notice notice-warn" role="note">
          {t('confirmAmountDiffers')}
        </p>
      ) : null}
    </section>
  );
}

/**
 * Offered only where the merchant's payment gateway certificate says cardCertRequired false: paying
 * without the card's certificate (SET's unsigned purchase), off until the shopper ticks it, with
 * what is weaker and what is not said first.
 */
function UnsignedChoice({
  checked,
  disabled,
  onChange,
}: {
  checked: boolean;
  disabled: boolean;
  onChange: (on: boolean) => void;
}) {
  return (
    <fieldset class="stack" id="unsigned-offer" aria-describedby="unsigned-weaker unsigned-same">
      <legend>{t('confirmUnsignedHeading')}</legend>
      <p>{t('confirmUnsignedOffered')}</p>
      <p id="unsigned-weaker" class="notice notice-warn">
        {t('confirmUnsignedWeaker')}
      </p>
      <p id="unsigned-same" class="muted">
        {t('confirmUnsignedSame')}
      </p>
      <label class="row" for="pay-unsigned">
        <input
          type="checkbox"
          id="pay-unsigned"
          checked={checked}
          disabled={disabled}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
        <span>{t('confirmUnsignedChoice')}</span>
      </label>
    </fieldset>
  );
}

function CardChoice({
  view,
  cardId,
  onChange,
  disabled,
}: {
  view: PurchaseView;
  cardId: string | undefined;
  onChange: (id: string) => void;
  disabled: boolean;
}) {
  const cards = view.cards ?? [];
  if (cards.length === 0)
    return <ErrorNotice error={{ code: 'noCards', messageKey: 'error_noCards', params: {} }} />;
  if (cards.length === 1) {
    return (
      <section class="card" aria-label={t('confirmCardLegend')}>
        <CardView card={cards[0]!} />
      </section>
    );
  }
  return <CardPicker cards={cards} value={cardId} onChange={onChange} disabled={disabled} />;
}

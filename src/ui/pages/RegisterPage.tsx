/**
 * Card registration, in the wallet's own window (opened for an issuer tab that declares a
 * registration initiation). The card number and expiry are typed HERE, never into the issuer's
 * page; then the issuer's form (RegFormRes) and its policy; then CertReq/CertRes, and the stored
 * card is shown. The transport still goes through the issuer's tab, so that tab must stay open.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { RegFormField } from '../../protocol/messages/registration/reg-form-schema.ts';
import type { RegistrationView } from '../../wallet/registration.ts';
import type { VaultStatus } from '../../wallet/vault/vault.ts';
import { Button } from '../components/Button.tsx';
import { CardView } from '../components/CardView.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Field } from '../components/Field.tsx';
import { Progress } from '../components/Progress.tsx';
import { SandboxBadge } from '../components/SandboxBadge.tsx';
import { UnlockForm } from '../components/UnlockForm.tsx';
import { t, uiLocale } from '../i18n.ts';
import { call, errorInfo, type UiErrorInfo } from '../wallet-client.ts';

const closeWindow = () => window.close();

function remember(registrationId: string | undefined) {
  const url = new URL(location.href);
  if (registrationId) url.searchParams.set('registration', registrationId);
  else url.searchParams.delete('registration');
  history.replaceState(null, '', url);
}

export function RegisterPage() {
  const params = new URLSearchParams(location.search);
  const tabId = Number(params.get('tab'));
  const [status, setStatus] = useState<VaultStatus>();
  const [view, setView] = useState<RegistrationView>();
  const [error, setError] = useState<UiErrorInfo>();
  const [busy, setBusy] = useState(false);

  const start = useCallback(async () => {
    setBusy(true);
    setError(undefined);
    try {
      const s = await call({ type: 'vault.status' });
      setStatus(s);
      if (!s.unlocked) return;
      const known = new URLSearchParams(location.search).get('registration');
      const next = known
        ? await call({ type: 'registration.get', registrationId: known }).catch(() => undefined)
        : undefined;
      const v = next ?? (await call({ type: 'registration.start', tabId }));
      remember(v.registrationId);
      setView(v);
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  }, [tabId]);
  useEffect(() => void start(), [start]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !busy) void cancel();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  const cancel = async () => {
    if (view && (view.step === 'card' || view.step === 'form')) {
      await call({ type: 'registration.cancel', registrationId: view.registrationId }).catch(() => {});
    }
    closeWindow();
  };

  const step = async (run: () => Promise<RegistrationView>) => {
    setBusy(true);
    setError(undefined);
    try {
      const next = await run();
      if (next.step !== 'card' && next.step !== 'form' && next.step !== 'pending') remember(undefined);
      setView(next);
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };

  let body: preact.ComponentChildren;
  if (!status) body = <Progress text={t('loading')} />;
  else if (!status.exists) {
    body = (
      <>
        <p>{t('registerNeedsVault')}</p>
        <div class="actions">
          <Button variant="primary" autoFocus onClick={() => void browser.runtime.openOptionsPage()}>
            {t('openSettings')}
          </Button>
        </div>
      </>
    );
  } else if (!status.unlocked) {
    body = (
      <section class="stack" aria-labelledby="unlock-heading">
        <h2 id="unlock-heading">{t('unlockHeading')}</h2>
        <p>{t('registerUnlockFirst')}</p>
        <UnlockForm onUnlocked={() => void start()} />
      </section>
    );
  } else if (!view) {
    body = busy ? <Progress text={t('registerContacting')} /> : null;
  } else if (view.step === 'card') {
    body = (
      <CardStep
        busy={busy}
        onCancel={() => void cancel()}
        onSubmit={(pan, expiry) =>
          step(() =>
            call({ type: 'registration.enterCard', registrationId: view.registrationId, pan, expiry }),
          )
        }
      />
    );
  } else if (view.step === 'form') {
    body = (
      <FormStep
        view={view}
        busy={busy}
        onCancel={() => void cancel()}
        onSubmit={(answers) =>
          step(() => call({ type: 'registration.submit', registrationId: view.registrationId, answers }))
        }
      />
    );
  } else {
    body = (
      <Finished
        view={view}
        busy={busy}
        onCheckAgain={() =>
          step(() => call({ type: 'registration.inquire', registrationId: view.registrationId }))
        }
      />
    );
  }

  return (
    <main class="stack">
      <h1>{t('registerTitle')}</h1>
      {view ? <IssuerFacts view={view} /> : null}
      {body}
      <ErrorNotice error={error}>
        {error && !busy && (!view || error.code === 'unknownRegistration') ? (
          <div class="actions">
            <Button onClick={closeWindow}>{t('closeButton')}</Button>
            <Button
              variant="primary"
              onClick={() => {
                remember(undefined);
                setView(undefined);
                void start();
              }}
            >
              {t('retryButton')}
            </Button>
          </div>
        ) : null}
      </ErrorNotice>
    </main>
  );
}

function IssuerFacts({ view }: { view: RegistrationView }) {
  return (
    <section class="card stack" aria-label={t('registerIssuerHeading')}>
      <p class="row">
        <strong>{view.ca.name}</strong>
        <SandboxBadge show={view.ca.sandbox} />
      </p>
      <dl class="facts">
        <dt>{t('registerIssuerPage')}</dt>
        <dd class="mono">{view.origin}</dd>
        <dt>{t('registerBrand')}</dt>
        <dd>{view.brand}</dd>
        {view.issuerName ? (
          <>
            <dt>{t('registerIssuerSays')}</dt>
            <dd>{view.issuerName}</dd>
          </>
        ) : null}
      </dl>
      <p class="muted">{t('registerCaVerified')}</p>
    </section>
  );
}

function monthNames(): string[] {
  const f = new Intl.DateTimeFormat(uiLocale(), { month: 'long', timeZone: 'UTC' });
  return Array.from({ length: 12 }, (_, i) => f.format(new Date(Date.UTC(2000, i, 1))));
}

function CardStep({
  busy,
  onSubmit,
  onCancel,
}: {
  busy: boolean;
  onSubmit: (pan: string, expiry: string) => void;
  onCancel: () => void;
}) {
  const [pan, setPan] = useState('');
  const now = new Date();
  const [month, setMonth] = useState('');
  const [year, setYear] = useState('');
  const years = Array.from({ length: 16 }, (_, i) => String(now.getFullYear() + i));
  const names = monthNames();
  return (
    <form
      class="stack"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(pan, `${year}${month}`);
      }}
    >
      <p>{t('registerCardIntro')}</p>
      <Field
        id="pan"
        label={t('registerPanLabel')}
        hint={t('registerPanHint')}
        inputMode="numeric"
        autoComplete="cc-number"
        autoFocus
        required
        maxLength={23}
        spellcheck={false}
        value={pan}
        onInput={(e) => setPan(e.currentTarget.value)}
      />
      <fieldset>
        <legend>{t('registerExpiryLegend')}</legend>
        <div class="row">
          <div class="field">
            <label for="exp-month">{t('registerExpiryMonth')}</label>
            <select
              id="exp-month"
              required
              autoComplete="cc-exp-month"
              value={month}
              onChange={(e) => setMonth(e.currentTarget.value)}
            >
              <option value="">{t('registerChoose')}</option>
              {names.map((name, i) => {
                const mm = String(i + 1).padStart(2, '0');
                return (
                  <option key={mm} value={mm}>
                    {t('registerMonthOption', [mm, name])}
                  </option>
                );
              })}
            </select>
          </div>
          <div class="field">
            <label for="exp-year">{t('registerExpiryYear')}</label>
            <select
              id="exp-year"
              required
              autoComplete="cc-exp-year"
              value={year}
              onChange={(e) => setYear(e.currentTarget.value)}
            >
              <option value="">{t('registerChoose')}</option>
              {years.map((y) => (
                <option key={y} value={y}>
                  {y}
                </option>
              ))}
            </select>
          </div>
        </div>
      </fieldset>
      {busy ? <Progress text={t('registerSendingCard')} /> : null}
      <div class="actions">
        <Button onClick={onCancel} disabled={busy}>
          {t('cancelButton')}
        </Button>
        <Button type="submit" variant="primary" busy={busy}>
          {t('continueButton')}
        </Button>
      </div>
    </form>
  );
}

const INPUT_TYPE: Record<RegFormField['kind'], 'text' | 'email' | 'tel' | 'date'> = {
  text: 'text',
  email: 'email',
  tel: 'tel',
  postalCode: 'text',
  date: 'date',
};
const AUTOCOMPLETE: Partial<Record<RegFormField['kind'], string>> = {
  email: 'email',
  tel: 'tel',
  postalCode: 'postal-code',
};

function FormStep({
  view,
  busy,
  onSubmit,
  onCancel,
}: {
  view: RegistrationView;
  busy: boolean;
  onSubmit: (answers: Record<string, string>) => void;
  onCancel: () => void;
}) {
  const form = view.form!;
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [accepted, setAccepted] = useState(false);
  return (
    <form
      class="stack"
      onSubmit={(e) => {
        e.preventDefault();
        const filled = Object.fromEntries(Object.entries(answers).filter(([, a]) => a.trim() !== ''));
        onSubmit(filled);
      }}
    >
      <h2>{t('registerFormHeading')}</h2>
      <p class="muted">{t('registerFormIntro')}</p>
      {form.fields.map((f, i) => (
        <Field
          key={f.name}
          id={`field-${f.name}`}
          name={f.name}
          label={f.label}
          type={INPUT_TYPE[f.kind]}
          autoComplete={AUTOCOMPLETE[f.kind] ?? 'off'}
          autoFocus={i === 0}
          required={f.required}
          maxLength={f.maxLength}
          value={answers[f.name] ?? ''}
          onInput={(e) => {
            const value = e.currentTarget.value;
            setAnswers((a) => ({ ...a, [f.name]: value }));
          }}
        />
      ))}
      {form.policy ? (
        <>
          <h3 id="policy-heading">{t('registerPolicyHeading')}</h3>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
          <section class="policy" tabIndex={0} aria-labelledby="policy-heading">
            {form.policy}
          </section>
          <label class="row" for="accept-policy">
            <input
              type="checkbox"
              id="accept-policy"
              required
              checked={accepted}
              onChange={(e) => setAccepted(e.currentTarget.checked)}
            />
            <span>{t('registerAcceptPolicy')}</span>
          </label>
        </>
      ) : null}
      {busy ? <Progress text={t('registerCertifying')} /> : null}
      <div class="actions">
        <Button onClick={onCancel} disabled={busy}>
          {t('cancelButton')}
        </Button>
        <Button type="submit" variant="primary" busy={busy}>
          {t('registerSubmit')}
        </Button>
      </div>
    </form>
  );
}

function Finished({
  view,
  busy,
  onCheckAgain,
}: {
  view: RegistrationView;
  busy: boolean;
  onCheckAgain: () => void;
}) {
  if (view.step === 'pending') {
    // Kept by the wallet (not started over): check again here, or later from the popup or settings.
    return (
      <section class="stack" aria-labelledby="finished-heading">
        <h2 id="finished-heading">{t('registerPendingHeading')}</h2>
        <div class="notice notice-warn" role="status" data-registration-pending="">
          <p>{t(view.lost ? 'registerLost' : 'registerPending')}</p>
          {view.reason ? <p>{view.reason}</p> : null}
        </div>
        <div class="actions">
          <Button onClick={closeWindow} disabled={busy}>
            {t('closeButton')}
          </Button>
          <Button variant="primary" busy={busy} onClick={onCheckAgain} autoFocus>
            {t('registerCheckAgain')}
          </Button>
        </div>
      </section>
    );
  }
  return (
    <section class="stack" aria-labelledby="finished-heading">
      {view.step === 'done' && view.card ? (
        <>
          <h2 id="finished-heading">{t('registerDoneHeading')}</h2>
          <div class="notice notice-ok" role="status">
            <p>{t('registerDone')}</p>
          </div>
          <div class="card">
            <CardView card={view.card} />
          </div>
        </>
      ) : view.step === 'referral' ? (
        <>
          <h2 id="finished-heading">{t('registerReferralHeading')}</h2>
          <div class="notice notice-warn" role="status">
            <p>{t('registerReferral')}</p>
            <p>{view.referral}</p>
          </div>
        </>
      ) : (
        <>
          <h2 id="finished-heading">{t('registerRejectedHeading')}</h2>
          <div class="notice notice-error" role="alert">
            <p>{t('registerRejected')}</p>
            {view.reason ? <p>{view.reason}</p> : null}
          </div>
        </>
      )}
      <div class="actions">
        <Button variant="primary" onClick={closeWindow} autoFocus>
          {t('closeButton')}
        </Button>
      </div>
    </section>
  );
}

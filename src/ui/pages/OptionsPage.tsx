/**
 * The wallet's settings page: first run (passphrase with a strength hint), unlock and lock,
 * auto-lock time, cards, how to register a card, trusted roots (a sandbox root is added only
 * after its SHA-256 fingerprint is shown and confirmed), and backup export / restore.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { readText } from '../../protocol/body.ts';
import type { CardSummary } from '../../wallet/cards.ts';
import { MAX_BACKUP_BYTES, MAX_ROOT_PEM_BYTES, MIN_PASSPHRASE_LENGTH } from '../../wallet/limits.ts';
import type { RootProposal, RootSummary } from '../../wallet/roots.ts';
import { passphraseStrength } from '../../wallet/vault/strength.ts';
import type { VaultStatus } from '../../wallet/vault/vault.ts';
import {
  Button,
  CardView,
  ErrorNotice,
  Field,
  Progress,
  SandboxBadge,
  UnlockForm,
} from '../components/index.ts';
import { downloadText } from '../download.ts';
import { formatDate } from '../format.ts';
import { t, uiLocale } from '../i18n.ts';
import { call, errorInfo, type UiErrorInfo } from '../wallet-client.ts';

/** Runs an action with busy and error state. */
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiErrorInfo>();
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** The settings' sections, in page order, by their headings: the page's navigation links to them. */
const SECTIONS = [
  ['vault-heading', 'vaultHeading'],
  ['cards-heading', 'cardsHeading'],
  ['register-heading', 'registerSectionHeading'],
  ['roots-heading', 'rootsHeading'],
  ['autolock-heading', 'autoLockHeading'],
  ['backup-heading', 'backupHeading'],
] as const;

export function OptionsPage() {
  const [status, setStatus] = useState<VaultStatus>();
  const [error, setError] = useState<UiErrorInfo>();
  const reload = useCallback(async () => {
    try {
      setStatus(await call({ type: 'vault.status' }));
    } catch (e) {
      setError(errorInfo(e));
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  if (!status) return <main>{error ? <ErrorNotice error={error} /> : <Progress text={t('loading')} />}</main>;
  return (
    <main class="options stack">
      <h1>{t('optionsTitle')}</h1>
      {!status.exists ? (
        <>
          <FirstRun onCreated={() => void reload()} />
          <RestoreBackup onRestored={() => void reload()} />
        </>
      ) : (
        <>
          <nav class="section-nav" aria-label={t('optionsNavLabel')}>
            <ul>
              {SECTIONS.map(([id, key]) => (
                <li key={id}>
                  <a href={`#${id}`}>{t(key)}</a>
                </li>
              ))}
            </ul>
          </nav>
          <VaultSection status={status} onChange={() => void reload()} />
          <CardsSection key={`cards-${status.unlocked}`} />
          <RegisterSection />
          <RootsSection unlocked={status.unlocked} />
          <AutoLockSection />
          <BackupSection unlocked={status.unlocked} />
        </>
      )}
    </main>
  );
}

function StrengthHint({ passphrase, id }: { passphrase: string; id: string }) {
  if (!passphrase) return null;
  const s = passphraseStrength(passphrase);
  return (
    <div id={id} class="stack" aria-live="polite">
      <div class="meter" aria-hidden="true">
        {[0, 1, 2, 3].map((i) => (
          <span key={i} class={s.score > i ? 'on' : ''} />
        ))}
      </div>
      <p>
        <strong>{t(`strengthScore_${s.score}`)}</strong> <span>{t(s.hintKey)}</span>
      </p>
    </div>
  );
}

function FirstRun({ onCreated }: { onCreated: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    if (passphrase !== again) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void run(async () => {
      await call({ type: 'vault.create', passphrase });
      onCreated();
    });
  };
  return (
    <section class="stack" aria-labelledby="first-run-heading">
      <h2 id="first-run-heading">{t('firstRunHeading')}</h2>
      <p>{t('firstRunIntro')}</p>
      <form class="stack" onSubmit={submit}>
        <Field
          id="new-passphrase"
          label={t('firstRunPassphrase')}
          hint={t('firstRunPassphraseHint', MIN_PASSPHRASE_LENGTH)}
          type="password"
          autoComplete="new-password"
          autoFocus
          required
          value={passphrase}
          onInput={(e) => setPassphrase(e.currentTarget.value)}
        />
        <StrengthHint passphrase={passphrase} id="strength" />
        <Field
          id="new-passphrase-again"
          label={t('firstRunPassphraseAgain')}
          type="password"
          autoComplete="new-password"
          required
          value={again}
          error={mismatch ? t('firstRunMismatch') : undefined}
          onInput={(e) => setAgain(e.currentTarget.value)}
        />
        <ErrorNotice error={error} />
        {busy ? <Progress text={t('firstRunCreating')} /> : null}
        <div class="actions">
          <Button type="submit" variant="primary" busy={busy}>
            {t('firstRunCreate')}
          </Button>
        </div>
      </form>
    </section>
  );
}

function VaultSection({ status, onChange }: { status: VaultStatus; onChange: () => void }) {
  const { busy, run } = useAction();
  const [changing, setChanging] = useState(false);
  return (
    <section class="stack" aria-labelledby="vault-heading">
      <h2 id="vault-heading">{t('vaultHeading')}</h2>
      {status.unlocked ? (
        <>
          <p class="row">
            <span class="badge badge-ok">{t('statusUnlocked')}</span>
            <span>{t('vaultUnlockedText')}</span>
          </p>
          <div class="row">
            <Button
              busy={busy}
              onClick={() =>
                void run(async () => {
                  await call({ type: 'vault.lock' });
                  onChange();
                })
              }
            >
              {t('lockNow')}
            </Button>
            <Button variant="link" onClick={() => setChanging((c) => !c)} aria-expanded={changing}>
              {t('changePassphrase')}
            </Button>
          </div>
          {changing ? <ChangePassphrase onDone={() => setChanging(false)} /> : null}
        </>
      ) : (
        <>
          <p class="row">
            <span class="badge">{t('statusLocked')}</span>
            <span>{t('vaultLockedText')}</span>
          </p>
          <UnlockForm id="options-unlock" onUnlocked={onChange} />
        </>
      )}
      {status.kdf ? (
        <p class="muted">
          {t('vaultKdf', [status.kdf.alg, status.kdf.iterations.toLocaleString(uiLocale())])}
        </p>
      ) : null}
    </section>
  );
}

function ChangePassphrase({ onDone }: { onDone: () => void }) {
  const [old, setOld] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();
  return (
    <form
      class="stack card"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await call({ type: 'vault.changePassphrase', oldPassphrase: old, newPassphrase: next });
          setDone(true);
          setOld('');
          setNext('');
          onDone();
        });
      }}
    >
      <Field
        id="old-passphrase"
        label={t('changePassphraseOld')}
        type="password"
        autoComplete="current-password"
        autoFocus
        required
        value={old}
        onInput={(e) => setOld(e.currentTarget.value)}
      />
      <Field
        id="changed-passphrase"
        label={t('changePassphraseNew')}
        type="password"
        autoComplete="new-password"
        required
        value={next}
        onInput={(e) => setNext(e.currentTarget.value)}
      />
      <StrengthHint passphrase={next} id="change-strength" />
      <ErrorNotice error={error} />
      {done ? (
        <p class="notice notice-ok" role="status">
          {t('changePassphraseDone')}
        </p>
      ) : null}
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          {t('changePassphrase')}
        </Button>
      </div>
    </form>
  );
}

function AutoLockSection() {
  const [minutes, setMinutes] = useState('');
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();
  useEffect(() => {
    void run(async () => setMinutes(String((await call({ type: 'settings.get' })).idleMinutes)));
  }, []);
  return (
    <section class="stack" aria-labelledby="autolock-heading">
      <h2 id="autolock-heading">{t('autoLockHeading')}</h2>
      <form
        class="stack narrow"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          void run(async () => {
            const s = await call({ type: 'settings.setIdleMinutes', minutes: Number(minutes) });
            setMinutes(String(s.idleMinutes));
            setSaved(true);
          });
        }}
      >
        <Field
          id="idle-minutes"
          label={t('autoLockLabel')}
          hint={t('autoLockHint')}
          type="number"
          inputMode="numeric"
          min={1}
          max={1440}
          required
          value={minutes}
          onInput={(e) => setMinutes(e.currentTarget.value)}
        />
        <div>
          <Button type="submit" busy={busy}>
            {t('saveButton')}
          </Button>
        </div>
      </form>
      {saved ? (
        <p class="notice notice-ok" role="status">
          {t('autoLockSaved', minutes)}
        </p>
      ) : null}
      <ErrorNotice error={error} />
    </section>
  );
}

function CardsSection() {
  const [cards, setCards] = useState<CardSummary[]>();
  const [confirming, setConfirming] = useState<string>();
  const { busy, error, run } = useAction();
  const load = () => run(async () => setCards(await call({ type: 'cards.list' })));
  useEffect(() => void load(), []);
  return (
    <section class="stack" aria-labelledby="cards-heading">
      <h2 id="cards-heading">{t('cardsHeading')}</h2>
      {cards?.length === 0 ? <p class="muted">{t('cardsEmpty')}</p> : null}
      <ul class="list">
        {(cards ?? []).map((c) => (
          <li key={c.id} class="card stack">
            <CardView card={c} />
            <div class="row">
              {c.isDefault ? null : (
                <Button
                  disabled={busy}
                  onClick={() =>
                    void run(async () => {
                      await call({ type: 'cards.setDefault', cardId: c.id });
                      setCards(await call({ type: 'cards.list' }));
                    })
                  }
                >
                  {t('cardMakeDefault')}
                </Button>
              )}
              {confirming === c.id ? (
                <>
                  <span>{t('cardRemoveConfirm')}</span>
                  <Button
                    variant="danger"
                    disabled={busy}
                    onClick={() =>
                      void run(async () => {
                        setConfirming(undefined);
                        await call({ type: 'cards.remove', cardId: c.id });
                        setCards(await call({ type: 'cards.list' }));
                      })
                    }
                  >
                    {t('cardRemoveYes')}
                  </Button>
                  <Button onClick={() => setConfirming(undefined)} autoFocus>
                    {t('cancelButton')}
                  </Button>
                </>
              ) : (
                <Button variant="link" onClick={() => setConfirming(c.id)}>
                  {t('cardRemove', t('cardLabel', [c.brand, c.last4]))}
                </Button>
              )}
            </div>
          </li>
        ))}
      </ul>
      <ErrorNotice error={error} />
    </section>
  );
}

function RegisterSection() {
  return (
    <section class="stack" aria-labelledby="register-heading">
      <h2 id="register-heading">{t('registerSectionHeading')}</h2>
      <p>{t('registerSectionText')}</p>
      <ol>
        <li>{t('registerSectionStep1')}</li>
        <li>{t('registerSectionStep2')}</li>
        <li>{t('registerSectionStep3')}</li>
      </ol>
    </section>
  );
}

function RootsSection({ unlocked }: { unlocked: boolean }) {
  const [roots, setRoots] = useState<RootSummary[]>();
  const [pem, setPem] = useState('');
  const [url, setUrl] = useState('');
  const [proposal, setProposal] = useState<RootProposal>();
  const [added, setAdded] = useState<string>();
  const { busy, error, setError, run } = useAction();
  const load = async () => setRoots(await call({ type: 'roots.list' }));
  useEffect(() => void run(load), []);

  const propose = (text: string) =>
    run(async () => {
      setAdded(undefined);
      setProposal(await call({ type: 'roots.propose', pem: text }));
    });
  const fetchRoot = async (e: Event) => {
    e.preventDefault();
    let text: string;
    try {
      const u = new URL(url);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
      const res = await fetch(u, { credentials: 'omit', cache: 'no-store', redirect: 'error' });
      if (!res.ok) throw new Error(String(res.status));
      text = await readText(res, MAX_ROOT_PEM_BYTES);
    } catch {
      setError({ code: 'rootFetch', messageKey: 'error_rootFetch', params: {} });
      return;
    }
    setPem(text);
    await propose(text);
  };

  return (
    <section class="stack" aria-labelledby="roots-heading">
      <h2 id="roots-heading">{t('rootsHeading')}</h2>
      <p class="muted">{t('rootsIntro')}</p>
      {roots?.length === 0 ? <p class="muted">{t('rootsEmpty')}</p> : null}
      <ul class="list">
        {(roots ?? []).map((r) => (
          <li key={r.fingerprint} class="card stack">
            <p class="row">
              <strong>{r.subject}</strong>
              {r.builtIn ? <span class="badge">{t('rootBuiltIn')}</span> : null}
              <SandboxBadge show={r.sandbox} />
            </p>
            <p class="muted">
              {t('rootValidity', [formatDate(r.notBefore, uiLocale()), formatDate(r.notAfter, uiLocale())])}
            </p>
            <p>
              <span class="label">{t('rootFingerprint')}</span> <span class="mono">{r.fingerprint}</span>
            </p>
            {r.builtIn ? null : (
              <div class="row">
                <Button
                  variant="link"
                  disabled={busy}
                  onClick={() =>
                    void run(async () => {
                      await call({ type: 'roots.remove', fingerprint: r.fingerprint });
                      await load();
                    })
                  }
                >
                  {t('rootRemove', r.subject)}
                </Button>
              </div>
            )}
          </li>
        ))}
      </ul>

      <h3>{t('rootAddHeading')}</h3>
      {!unlocked ? <p class="notice notice-warn">{t('rootAddLocked')}</p> : null}
      {proposal ? (
        <section class="card stack" aria-labelledby="proposal-heading">
          <h4 id="proposal-heading" class="label">
            {t('rootProposalHeading')}
          </h4>
          <dl class="facts">
            <dt>{t('rootSubject')}</dt>
            <dd>{proposal.subject}</dd>
            <dt>{t('rootFingerprint')}</dt>
            <dd class="mono">{proposal.fingerprint}</dd>
            <dt>{t('rootValidityLabel')}</dt>
            <dd>
              {t('rootValidity', [
                formatDate(proposal.notBefore, uiLocale()),
                formatDate(proposal.notAfter, uiLocale()),
              ])}
            </dd>
          </dl>
          <p class="notice notice-warn">{t('rootProposalWarning')}</p>
          <div class="actions">
            <Button onClick={() => setProposal(undefined)} autoFocus>
              {t('cancelButton')}
            </Button>
            <Button
              variant="primary"
              busy={busy}
              onClick={() =>
                void run(async () => {
                  const root = await call({ type: 'roots.confirm', fingerprint: proposal.fingerprint });
                  setProposal(undefined);
                  setPem('');
                  setUrl('');
                  setAdded(root.subject);
                  await load();
                })
              }
            >
              {t('rootConfirm')}
            </Button>
          </div>
        </section>
      ) : (
        <>
          <form
            class="stack"
            onSubmit={(e) => {
              e.preventDefault();
              void propose(pem);
            }}
          >
            <div class="field">
              <label for="root-pem">{t('rootPemLabel')}</label>
              <textarea
                id="root-pem"
                class="mono"
                spellcheck={false}
                maxLength={MAX_ROOT_PEM_BYTES}
                value={pem}
                onInput={(e) => setPem(e.currentTarget.value)}
              />
            </div>
            <div class="actions">
              <Button type="submit" busy={busy} disabled={!pem.trim()}>
                {t('rootCheck')}
              </Button>
            </div>
          </form>
          <form class="stack" onSubmit={(e) => void fetchRoot(e)}>
            <Field
              id="root-url"
              label={t('rootUrlLabel')}
              hint={t('rootUrlHint')}
              type="url"
              inputMode="url"
              placeholder={t('rootUrlPlaceholder')}
              value={url}
              onInput={(e) => setUrl(e.currentTarget.value)}
            />
            <div class="actions">
              <Button type="submit" busy={busy} disabled={!url.trim()}>
                {t('rootFetch')}
              </Button>
            </div>
          </form>
        </>
      )}
      {added ? (
        <p class="notice notice-ok" role="status">
          {t('rootAdded', added)}
        </p>
      ) : null}
      <ErrorNotice error={error} />
    </section>
  );
}

function BackupSection({ unlocked }: { unlocked: boolean }) {
  const { busy, error, run } = useAction();
  const [exported, setExported] = useState(false);
  return (
    <section class="stack" aria-labelledby="backup-heading">
      <h2 id="backup-heading">{t('backupHeading')}</h2>
      <p>{t('backupText')}</p>
      {!unlocked ? <p class="notice notice-warn">{t('backupLocked')}</p> : null}
      <div class="row">
        <Button
          busy={busy}
          disabled={!unlocked}
          onClick={() =>
            void run(async () => {
              const file = await call({ type: 'vault.exportBackup' });
              const day = new Date().toISOString().slice(0, 10);
              downloadText(`set-wallet-backup-${day}.json`, file);
              setExported(true);
            })
          }
        >
          {t('backupExport')}
        </Button>
      </div>
      {exported ? (
        <p class="notice notice-ok" role="status">
          {t('backupExported')}
        </p>
      ) : null}
      <ErrorNotice error={error} />
    </section>
  );
}

function RestoreBackup({ onRestored }: { onRestored: () => void }) {
  const [file, setFile] = useState<File>();
  const [passphrase, setPassphrase] = useState('');
  const { busy, error, setError, run } = useAction();
  return (
    <section class="stack" aria-labelledby="restore-heading">
      <h2 id="restore-heading">{t('restoreHeading')}</h2>
      <p>{t('restoreText')}</p>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (!file) return;
          if (file.size > MAX_BACKUP_BYTES) {
            setError({ code: 'backupInvalid', messageKey: 'error_backupInvalid', params: {} });
            return;
          }
          void run(async () => {
            const text = await file.text();
            await call({ type: 'vault.restoreBackup', file: text, passphrase });
            onRestored();
          });
        }}
      >
        <div class="field">
          <label for="restore-file">{t('restoreFile')}</label>
          <input
            id="restore-file"
            type="file"
            accept=".json,application/json"
            required
            onChange={(e) => setFile(e.currentTarget.files?.[0])}
          />
        </div>
        <Field
          id="restore-passphrase"
          label={t('restorePassphrase')}
          type="password"
          autoComplete="current-password"
          required
          value={passphrase}
          onInput={(e) => setPassphrase(e.currentTarget.value)}
        />
        <ErrorNotice error={error} />
        {busy ? <Progress text={t('restoring')} /> : null}
        <div class="actions">
          <Button type="submit" busy={busy}>
            {t('restoreButton')}
          </Button>
        </div>
      </form>
    </section>
  );
}

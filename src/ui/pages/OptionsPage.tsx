/**
 * The wallet's settings page: first run (passphrase with a strength hint), unlock and lock,
 * auto-lock time, cards, how to register a card, trusted roots (a sandbox root is added only
 * after its SHA-256 fingerprint is shown and confirmed), and backup export / restore. Each section
 * is a file of its own in ./options/, sharing useAction; this page is the frame and its navigation.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { VaultStatus } from '../../wallet/vault/vault.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Progress } from '../components/Progress.tsx';
import { t } from '../i18n.ts';
import { lazy } from '../lazy.tsx';
import { call, errorInfo, type UiErrorInfo } from '../wallet-client.ts';
import { AutoLockSection } from './options/AutoLockSection.tsx';
import { BackupSection } from './options/BackupSection.tsx';
import { CardsSection } from './options/CardsSection.tsx';
import { RegisterSection } from './options/RegisterSection.tsx';
import { RootsSection } from './options/RootsSection.tsx';
import { VaultSection } from './options/VaultSection.tsx';

// Loaded only on a wallet without a vault: the first run and a restore.
const FirstRun = lazy(async () => (await import('./options/FirstRun.tsx')).FirstRun);
const RestoreBackup = lazy(async () => (await import('./options/RestoreBackup.tsx')).RestoreBackup);

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

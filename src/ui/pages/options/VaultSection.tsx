/** The vault: locked or unlocked, lock now, unlock, change the passphrase, the KDF cost. */
import { useState } from 'preact/hooks';
import type { VaultStatus } from '../../../wallet/vault/vault.ts';
import { Button } from '../../components/Button.tsx';
import { UnlockForm } from '../../components/UnlockForm.tsx';
import { t, uiLocale } from '../../i18n.ts';
import { lazy } from '../../lazy.tsx';
import { call } from '../../wallet-client.ts';
import { useAction } from './use-action.ts';

// Loaded when asked for, with the passphrase meter.
const ChangePassphrase = lazy(async () => (await import('./ChangePassphrase.tsx')).ChangePassphrase);

export function VaultSection({ status, onChange }: { status: VaultStatus; onChange: () => void }) {
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

/** Restore: a backup file and its passphrase, into a wallet that has no vault yet. */
import { useState } from 'preact/hooks';
import { MAX_BACKUP_BYTES } from '../../../wallet/limits.ts';
import { Button } from '../../components/Button.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Field } from '../../components/Field.tsx';
import { Progress } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { call } from '../../wallet-client.ts';
import { useAction } from './use-action.ts';

export function RestoreBackup({ onRestored }: { onRestored: () => void }) {
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

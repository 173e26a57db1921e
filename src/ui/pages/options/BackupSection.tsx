/** Backup: export the encrypted backup file (vault unlocked). */
import { useState } from 'preact/hooks';
import { Button } from '../../components/Button.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { downloadText } from '../../download.ts';
import { t } from '../../i18n.ts';
import { call } from '../../wallet-client.ts';
import { useAction } from './use-action.ts';

export function BackupSection({ unlocked }: { unlocked: boolean }) {
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

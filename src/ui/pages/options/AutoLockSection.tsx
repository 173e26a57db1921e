/** Auto-lock: the idle minutes after which the wallet locks itself. */
import { useEffect, useState } from 'preact/hooks';
import { Button } from '../../components/Button.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Field } from '../../components/Field.tsx';
import { t } from '../../i18n.ts';
import { call } from '../../wallet-client.ts';
import { useAction } from './use-action.ts';

export function AutoLockSection() {
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

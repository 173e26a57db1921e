/** Changing the passphrase: the old one, the new one with a strength hint. */
import { useState } from 'preact/hooks';
import { Button } from '../../components/Button.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Field } from '../../components/Field.tsx';
import { t } from '../../i18n.ts';
import { call } from '../../wallet-client.ts';
import { StrengthHint } from './StrengthHint.tsx';
import { useAction } from './use-action.ts';

export function ChangePassphrase({ onDone }: { onDone: () => void }) {
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

/** First run: the passphrase that creates the wallet, typed twice, with a strength hint. */
import { useState } from 'preact/hooks';
import { MIN_PASSPHRASE_LENGTH } from '../../../wallet/limits.ts';
import { Button } from '../../components/Button.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Field } from '../../components/Field.tsx';
import { Progress } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { call } from '../../wallet-client.ts';
import { StrengthHint } from './StrengthHint.tsx';
import { useAction } from './use-action.ts';

export function FirstRun({ onCreated }: { onCreated: () => void }) {
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

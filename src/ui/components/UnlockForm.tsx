import { useState } from 'preact/hooks';
import { t } from '../i18n.ts';
import { call, errorInfo, type UiErrorInfo } from '../wallet-client.ts';
import { Button } from './Button.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { Field } from './Field.tsx';

/** The passphrase prompt of a locked wallet. Enter submits. */
export function UnlockForm({
  id = 'unlock',
  onUnlocked,
  autoFocus = true,
  submitLabel,
}: {
  id?: string;
  onUnlocked: () => void;
  autoFocus?: boolean;
  submitLabel?: string;
}) {
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiErrorInfo>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await call({ type: 'vault.unlock', passphrase });
      setPassphrase('');
      onUnlocked();
    } catch (err) {
      setError(errorInfo(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="stack" onSubmit={submit}>
      <Field
        id={`${id}-passphrase`}
        label={t('passphraseLabel')}
        type="password"
        autoComplete="current-password"
        autoFocus={autoFocus}
        required
        value={passphrase}
        onInput={(e) => setPassphrase(e.currentTarget.value)}
      />
      <ErrorNotice error={error} />
      <Button type="submit" variant="primary" busy={busy} wide>
        {submitLabel ?? t('unlockButton')}
      </Button>
    </form>
  );
}

/**
 * The busy / error / run state every settings section repeats: `run(fn)` marks the section busy,
 * clears its error, runs `fn`, and shows any failure as a `_locales` explanation (ErrorNotice).
 */
import { useState } from 'preact/hooks';
import { errorInfo, type UiErrorInfo } from '../../wallet-client.ts';

export function useAction() {
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

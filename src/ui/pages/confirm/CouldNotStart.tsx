import { browser } from 'wxt/browser';
import { parseStartError } from '../../../wallet/bridge-messages.ts';
import { Button } from '../../components/Button.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { t } from '../../i18n.ts';
import type { UiErrorInfo } from '../../wallet-client.ts';
import { closeWindow, useEscape } from './shared.tsx';

/** The page asked to pay and the wallet could not even start: say why, and what to do. */
export function CouldNotStart({ raw }: { raw: string | null }) {
  let error: UiErrorInfo = { code: 'unknownRequest', messageKey: 'error_unknownRequest', params: {} };
  try {
    const parsed = parseStartError(JSON.parse(raw ?? 'null'));
    if (parsed) error = parsed as UiErrorInfo;
  } catch {
    // Not JSON: keep the generic explanation.
  }
  const needsCard =
    error.code === 'noCards' || error.code === 'noCardForBrand' || error.code === 'untrustedRoot';
  useEscape(closeWindow);
  return (
    <main class="stack">
      <h1>{t('confirmCannotPayTitle')}</h1>
      <ErrorNotice error={error} />
      <div class="actions">
        {needsCard ? (
          <Button onClick={() => void browser.runtime.openOptionsPage().then(closeWindow)}>
            {t('openSettings')}
          </Button>
        ) : null}
        <Button variant="primary" onClick={closeWindow} autoFocus>
          {t('closeButton')}
        </Button>
      </div>
    </main>
  );
}

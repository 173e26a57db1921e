import { useEffect, useState } from 'preact/hooks';
import { Button } from '../../components/Button.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Progress } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { useInputDelay } from '../../input-delay.ts';
import { call, errorInfo, isUiError, type UiErrorInfo } from '../../wallet-client.ts';
import { closeWindow, DelayNote, Heading, useEscape } from './shared.tsx';

/**
 * A page at an origin whose merchant certificate has not verified in this session asked to pay:
 * nothing has gone to it yet. Continue starts the request (PInitReq: brand and BIN); this window
 * then shows it.
 */
export function AskFirst({ tabId }: { tabId: number }) {
  const [origin, setOrigin] = useState<string>();
  const [error, setError] = useState<UiErrorInfo>();
  const [busy, setBusy] = useState(false);
  const delay = useInputDelay();
  useEffect(() => {
    call({ type: 'initiations.forTab', tabId })
      .then((here) => {
        if (here.payment) setOrigin(here.payment.origin);
        else setError({ code: 'noInitiation', messageKey: 'error_noInitiation', params: {} });
      })
      .catch((e) => setError(errorInfo(e)));
  }, [tabId]);
  useEscape(closeWindow);
  const goOn = async (e: Event) => {
    e.preventDefault();
    if (!delay.isReady() || busy || !origin) return;
    setBusy(true);
    setError(undefined);
    try {
      const view = await call({ type: 'purchase.start', tabId });
      location.replace(`/confirm.html?request=${encodeURIComponent(view.requestId)}`);
    } catch (err) {
      // alreadyPending: the background brought that request's window forward.
      if (isUiError(err, 'alreadyPending')) return closeWindow();
      setError(errorInfo(err));
      setBusy(false);
    }
  };
  return (
    <main class="stack">
      <Heading text={t('confirmAskTitle')} />
      {origin ? (
        <form class="stack" onSubmit={goOn}>
          <p>{t('confirmAskText', origin)}</p>
          <p class="muted">{t('confirmAskWhat')}</p>
          <ErrorNotice error={error} />
          <DelayNote ready={delay.ready} />
          <div class="actions">
            <Button onClick={closeWindow}>{t('cancelButton')}</Button>
            {error ? null : (
              <Button
                type="submit"
                variant="primary"
                busy={busy}
                waiting={!delay.ready}
                aria-describedby={delay.ready ? undefined : 'input-delay-note'}
              >
                {t('continueButton')}
              </Button>
            )}
          </div>
        </form>
      ) : error ? (
        <>
          <ErrorNotice error={error} />
          <div class="actions">
            <Button variant="primary" onClick={closeWindow}>
              {t('closeButton')}
            </Button>
          </div>
        </>
      ) : (
        <Progress text={t('loading')} />
      )}
    </main>
  );
}

/** What the confirmation window's parts share: its heading, the input-delay note, Escape, closing. */
import { useEffect, useRef } from 'preact/hooks';
import { Button } from '../../components/Button.tsx';
import { t } from '../../i18n.ts';

export const closeWindow = () => window.close();

/** The one way out once there is nothing left to decide: Close, focused. */
export function CloseRow() {
  return (
    <div class="actions">
      <Button variant="primary" onClick={closeWindow} autoFocus>
        {t('closeButton')}
      </Button>
    </div>
  );
}

/** The window's heading, focused when the window opens: somewhere a stray Enter or Space does nothing. */
export function Heading({ text }: { text: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {text}
    </h1>
  );
}

/** While the input delay runs: say why the buttons wait. */
export function DelayNote({ ready }: { ready: boolean }) {
  return ready ? null : (
    <p class="muted" id="input-delay-note">
      {t('confirmInputDelay')}
    </p>
  );
}

export function useEscape(handler: () => void) {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        ref.current();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

/**
 * The confirmation window's input delay (docs/security.md, "Hostile page"): Pay (and Continue)
 * ignore clicks, Enter and Space until the window has been visible and focused for
 * PAY_INPUT_DELAY_MS without interruption, counted again from every time it regains focus.
 *
 * Why 1,000 ms: a page can open the window at the moment the shopper is typing into the page or
 * about to click where the Pay button will appear; keystrokes and clicks already on their way then
 * land in the window. Browsers guard their own security prompts the same way: Firefox's
 * `security.dialog_enable_delay` is 1,000 ms (add-on installs, downloads, external protocols) and
 * Chromium ignores input to permission prompts shortly after they show. We take the upper end of
 * the 500–1,000 ms browsers use: a review of merchant, amount and card takes longer than a second
 * anyway, and a typing burst (the review found Enter landing 926 ms after the first keystroke) is
 * over before Pay answers. Pay is also never the focused control, so Enter alone never reaches it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export const PAY_INPUT_DELAY_MS = 1000;

/** The rule, apart from the DOM: times are milliseconds on one monotonic clock. */
export class InputGate {
  private since: number | undefined;

  constructor(readonly delayMs: number = PAY_INPUT_DELAY_MS) {}

  /** The window is (or is not) visible and focused, as of `now`. Losing either starts over. */
  update(active: boolean, now: number): void {
    if (!active) this.since = undefined;
    else this.since ??= now;
  }

  /** The window regained focus at `now`: the delay counts from here, whatever came before. */
  refocused(now: number): void {
    this.since = now;
  }

  ready(now: number): boolean {
    return this.since !== undefined && now - this.since >= this.delayMs;
  }

  /** How long until ready, if the window stays as it is; undefined while it is not active. */
  remaining(now: number): number | undefined {
    return this.since === undefined ? undefined : Math.max(0, this.since + this.delayMs - now);
  }
}

/**
 * The gate wired to this document: `ready` for rendering (aria-disabled), `isReady()` for the
 * moment an activation arrives (handlers check it then, not the last render). The delay also
 * starts over whenever `shown` changes: Pay appearing once the merchant has answered is a new
 * thing under the shopper's pointer, however long the window has been open.
 */
export function useInputDelay(
  shown: unknown = null,
  delayMs: number = PAY_INPUT_DELAY_MS,
): {
  ready: boolean;
  isReady: () => boolean;
} {
  const gate = useRef(new InputGate(delayMs)).current;
  const [ready, setReady] = useState(false);
  const restart = useRef<() => void>(() => {});
  useEffect(() => restart.current(), [shown]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const now = performance.now();
      const ok = gate.ready(now);
      setReady(ok);
      const left = gate.remaining(now);
      if (!ok && left !== undefined) timer = setTimeout(check, left + 10);
    };
    const sync = () => {
      gate.update(document.visibilityState === 'visible' && document.hasFocus(), performance.now());
      check();
    };
    const onFocus = () => {
      gate.refocused(performance.now());
      sync();
    };
    restart.current = () => {
      gate.update(false, performance.now());
      sync();
    };
    window.addEventListener('focus', onFocus);
    window.addEventListener('blur', sync);
    document.addEventListener('visibilitychange', sync);
    sync();
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      window.removeEventListener('focus', onFocus);
      window.removeEventListener('blur', sync);
      document.removeEventListener('visibilitychange', sync);
    };
  }, [gate]);
  return { ready, isReady: () => gate.ready(performance.now()) };
}

import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * Focuses the element when it mounts, if `on`. Browsers honour the autofocus attribute once per
 * document, so a control that appears later (the result after paying, a confirmation step) would
 * not get focus from the attribute alone.
 */
export function useAutoFocus<T extends HTMLElement>(on: boolean | undefined): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (on) ref.current?.focus();
  }, []);
  return ref;
}

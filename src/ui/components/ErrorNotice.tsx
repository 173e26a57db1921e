import type { ComponentChildren } from 'preact';
import { errorText } from '../error-text.ts';
import type { UiErrorInfo } from '../wallet-client.ts';

/** A failure explained in words a person can act on (never a stack trace). */
export function ErrorNotice({
  error,
  children,
}: {
  error: UiErrorInfo | undefined;
  children?: ComponentChildren;
}) {
  if (!error) return null;
  return (
    <div class="notice notice-error" role="alert">
      <p>{errorText(error)}</p>
      {children}
    </div>
  );
}

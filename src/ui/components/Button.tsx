import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { useAutoFocus } from '../autofocus.ts';

export type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type'> & {
  variant?: 'primary' | 'secondary' | 'danger' | 'link';
  type?: 'button' | 'submit';
  /** Shows the control as working: disabled, aria-busy. */
  busy?: boolean;
  /**
   * Shown as disabled (aria-disabled) while it stays focusable and in the accessibility tree; the
   * caller's handler must ignore activation meanwhile (the input delay of the confirmation window).
   */
  waiting?: boolean;
  wide?: boolean;
  children: ComponentChildren;
};

export function Button({
  variant = 'secondary',
  type = 'button',
  busy,
  waiting,
  wide,
  disabled,
  children,
  autoFocus,
  ...rest
}: ButtonProps) {
  const ref = useAutoFocus<HTMLButtonElement>(Boolean(autoFocus));
  return (
    <button
      {...rest}
      ref={ref}
      type={type}
      class={`btn btn-${variant}${wide ? ' btn-wide' : ''}`}
      disabled={Boolean(disabled) || busy}
      aria-busy={busy ? 'true' : undefined}
      aria-disabled={waiting ? 'true' : undefined}
    >
      {children}
    </button>
  );
}

import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { useAutoFocus } from '../autofocus.ts';

export type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type'> & {
  variant?: 'primary' | 'secondary' | 'danger' | 'link';
  type?: 'button' | 'submit';
  /** Shows the control as working: disabled, aria-busy. */
  busy?: boolean;
  wide?: boolean;
  children: ComponentChildren;
};

export function Button({
  variant = 'secondary',
  type = 'button',
  busy,
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
    >
      {children}
    </button>
  );
}

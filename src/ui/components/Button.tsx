import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';

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
  ...rest
}: ButtonProps) {
  return (
    <button
      {...rest}
      type={type}
      class={`btn btn-${variant}${wide ? ' btn-wide' : ''}`}
      disabled={Boolean(disabled) || busy}
      aria-busy={busy ? 'true' : undefined}
    >
      {children}
    </button>
  );
}

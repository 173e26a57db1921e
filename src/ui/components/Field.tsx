import type { ComponentChildren } from 'preact';
import { useAutoFocus } from '../autofocus.ts';

export interface FieldProps {
  id: string;
  label: string;
  hint?: ComponentChildren;
  error?: string | undefined;
  type?: 'text' | 'password' | 'email' | 'tel' | 'number' | 'date' | 'url';
  value: string;
  onInput: (e: Event & { currentTarget: HTMLInputElement }) => void;
  name?: string;
  autoComplete?: string;
  autoFocus?: boolean;
  required?: boolean;
  disabled?: boolean;
  inputMode?: 'text' | 'numeric' | 'email' | 'tel' | 'url';
  maxLength?: number;
  min?: number;
  max?: number;
  placeholder?: string;
  spellcheck?: boolean;
}

/** A labelled input; its hint and error are tied to it with aria-describedby. */
export function Field({ id, label, hint, error, type = 'text', autoFocus, ...input }: FieldProps) {
  const ref = useAutoFocus<HTMLInputElement>(autoFocus);
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        {...input}
        ref={ref}
        // Preact types each input type separately; any of ours takes these attributes.
        type={type as 'text'}
        id={id}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described || undefined}
      />
      {hint ? (
        <div class="hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <div class="error" id={`${id}-error`}>
          {error}
        </div>
      ) : null}
    </div>
  );
}

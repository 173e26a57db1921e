/**
 * Every user-facing string comes from public/_locales (ISSUE 4 "Interface quality"): `t(key, subs)`
 * looks the message up with browser.i18n.getMessage, whose placeholders ($1 … $9) take the
 * substitutions, so no sentence is ever built by concatenation.
 */
import { browser } from 'wxt/browser';

export type Substitution = string | number;

export function t(key: string, substitutions?: Substitution | readonly Substitution[]): string {
  const subs =
    substitutions === undefined
      ? undefined
      : (Array.isArray(substitutions) ? substitutions : [substitutions]).map(String);
  // The generated key type lists the messages; keys built from error codes are checked by the tests.
  const text = (browser.i18n.getMessage as (k: string, s?: string[]) => string)(key, subs);
  return text || key;
}

/** The browser's UI language, for Intl formatting. */
export function uiLocale(): string {
  try {
    return browser.i18n.getUILanguage() || 'en';
  } catch {
    return 'en';
  }
}

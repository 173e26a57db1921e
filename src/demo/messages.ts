/**
 * The wallet's own words, read from a build's `_locales/<locale>/messages.json` with chrome.i18n's
 * placeholder substitution, so that the browser steps find the UI by the texts and accessible
 * names a user sees, and a change of wording breaks nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `_locales/en` messages of a build, with chrome.i18n's placeholder substitution. */
export interface Messages {
  has(key: string): boolean;
  /** The text the UI shows for `key` with `substitutions` ($1 …); throws when the key is missing. */
  t(key: string, ...substitutions: string[]): string;
  /**
   * The message as a RegExp, anything in the placeholders; `whole` anchors it (for an accessible
   * name), else it is found anywhere (in a page's text).
   */
  pattern(key: string, whole?: boolean): RegExp;
}

interface MessageEntry {
  message: string;
  placeholders?: Record<string, { content: string }>;
}

export function loadMessages(build: string, locale = 'en'): Messages {
  const path = join(build, '_locales', locale, 'messages.json');
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, MessageEntry>;
  const lower = new Map(Object.entries(json).map(([k, v]) => [k.toLowerCase(), v]));
  // $NAME$ → the placeholder's content, $1…$9 → the substitutions (in both), $$ → $.
  const sub = (text: string, subs: string[], named: Map<string, string>): string =>
    text.replace(/\$([A-Za-z0-9_@]+)\$|\$(\d)|\$\$/g, (all, name?: string, n?: string) => {
      if (name !== undefined) return sub(named.get(name.toLowerCase()) ?? '', subs, new Map());
      if (n !== undefined) return subs[Number(n) - 1] ?? '';
      return all === '$$' ? '$' : all;
    });
  return {
    has: (key) => lower.has(key.toLowerCase()),
    t(key, ...subs) {
      const entry = lower.get(key.toLowerCase());
      if (!entry) throw new Error(`${path} has no message "${key}"`);
      const named = new Map(
        Object.entries(entry.placeholders ?? {}).map(([k, v]) => [k.toLowerCase(), v.content]),
      );
      return sub(entry.message, subs, named);
    },
    pattern(key, whole = false) {
      const holes = Array.from({ length: 9 }, (_, i) => `\uE000${i}\uE000`);
      const text = this.t(key, ...holes);
      const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
      const body = escaped.replace(/\uE000\d\uE000/g, '.+?');
      return new RegExp(whole ? `^${body}$` : body);
    },
  };
}

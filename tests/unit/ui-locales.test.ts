// Every user-facing string comes from public/_locales/en/messages.json: each key the UI names
// exists, every wallet error code, SET ErrorCode, decline reason and strength hint has its message,
// and each message's placeholders are well formed and as many as its callers substitute. Every
// other locale (German, French, Spanish at least) has exactly English's keys, each with the same
// placeholders, translated, and keeping "SET" and the brand's name as they are.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/protocol/errors.ts';
import { DECLINE_REASONS } from '../../src/protocol/messages/fields.ts';
import { WALLET_ERROR_CODES } from '../../src/wallet/errors.ts';

const ROOT = join(import.meta.dirname, '../..');
type Message = { message: string; description?: string; placeholders?: Record<string, { content: string }> };
const MESSAGES = JSON.parse(readFileSync(join(ROOT, 'public/_locales/en/messages.json'), 'utf8')) as Record<
  string,
  Message
>;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx|html)$/.test(name) ? [path] : [];
  });
}
const UI_FILES = [...sources(join(ROOT, 'src/ui')), ...sources(join(ROOT, 'entrypoints'))];

/** Keys named literally: t('key' …), t(cond ? 'a' : 'b' …), messageKey: 'key', mount(Page, 'key'), __MSG_key__. */
function keysUsed(): Map<string, string> {
  const used = new Map<string, string>();
  for (const file of UI_FILES) {
    const text = readFileSync(file, 'utf8');
    const add = (key: string) => used.set(key, file);
    for (const m of text.matchAll(/\bt\(\s*([^,)`]+)/g)) {
      // The literal itself, or each branch of a conditional (not what a condition compares with).
      for (const lit of m[1]!.trim().matchAll(/(?:^|[?:])\s*'([A-Za-z][A-Za-z0-9_]*)'/g)) add(lit[1]!);
    }
    for (const m of text.matchAll(/messageKey: '([A-Za-z0-9_]+)'/g)) add(m[1]!);
    for (const m of text.matchAll(/mount\(\w+, '([A-Za-z0-9_]+)'\)/g)) add(m[1]!);
    for (const m of text.matchAll(/__MSG_([A-Za-z0-9_]+)__/g)) add(m[1]!);
  }
  return used;
}

describe('_locales/en', () => {
  it('has every key the interface names', () => {
    const used = keysUsed();
    expect(used.size).toBeGreaterThan(150);
    const missing = [...used].filter(([key]) => !MESSAGES[key]).map(([key, file]) => `${key} (${file})`);
    expect(missing).toEqual([]);
  });

  it('explains every wallet error, SET ErrorCode, decline reason and strength hint', () => {
    const keys = [
      ...WALLET_ERROR_CODES.map((c) => `error_${c}`),
      'error_backgroundGone',
      'error_unexpected',
      ...ERROR_CODES.map((c) => `setError_${c}`),
      ...DECLINE_REASONS.map((r) => `decline_${r}`),
      ...['tooShort', 'common', 'repeats', 'sequence', 'addWords', 'good'].map((h) => `strength_${h}`),
      ...[0, 1, 2, 3, 4].map((s) => `strengthScore_${s}`),
      ...['approved', 'declined', 'pending'].map((s) => `receiptStatus_${s}`),
      ...['size', 'count', 'decoding', 'type', 'signature', 'validity'].map((p) => `rootProblem_${p}`),
    ];
    expect(keys.filter((k) => !MESSAGES[k])).toEqual([]);
  });

  it('declares every placeholder a message uses, as $1 … $9', () => {
    for (const [key, m] of Object.entries(MESSAGES)) {
      const declared = Object.keys(m.placeholders ?? {});
      const used = [...m.message.matchAll(/\$([A-Za-z0-9_]+)\$/g)].map((x) => x[1]!.toLowerCase());
      expect(new Set(used), key).toEqual(new Set(declared));
      for (const p of Object.values(m.placeholders ?? {})) expect(p.content, key).toMatch(/^\$[1-9]$/);
      // A bare $ that is not a placeholder would be eaten by getMessage.
      expect(m.message.replace(/\$[A-Za-z0-9_]+\$/g, ''), key).not.toContain('$');
    }
  });

  it('keeps the badge texts within four characters', () => {
    expect(MESSAGES.badgePayment!.message.length).toBeLessThanOrEqual(4);
    expect(MESSAGES.badgeRegistration!.message.length).toBeLessThanOrEqual(4);
  });
});

const LOCALES_DIR = join(ROOT, 'public/_locales');
const OTHER_LOCALES = readdirSync(LOCALES_DIR).filter((l) => l !== 'en');
const localeMessages = (locale: string) =>
  JSON.parse(readFileSync(join(LOCALES_DIR, locale, 'messages.json'), 'utf8')) as Record<string, Message>;
/** The $NAME$ placeholders a message uses, sorted. */
const placeholdersUsed = (m: Message) =>
  [...m.message.matchAll(/\$([A-Za-z0-9_]+)\$/g)].map((x) => x[1]!).sort();
/** A sentence must be translated; a label of one or two words may stay (Passphrase, SHA-256…). */
const isSentence = (text: string) =>
  text
    .replace(/\$[A-Za-z0-9_]+\$/g, '')
    .split(/\s+/)
    .filter((word) => /\p{L}{2}/u.test(word)).length > 2;

describe('every other locale', () => {
  it('includes at least German, French and Spanish, and the manifest defaults to English', () => {
    expect(OTHER_LOCALES).toEqual(expect.arrayContaining(['de', 'fr', 'es']));
    expect(readFileSync(join(ROOT, 'wxt.config.ts'), 'utf8')).toMatch(/default_locale: 'en'/);
  });

  it.each(OTHER_LOCALES)('%s has every English message and no other', (locale) => {
    const messages = localeMessages(locale);
    expect(Object.keys(messages).filter((k) => !MESSAGES[k])).toEqual([]);
    expect(Object.keys(MESSAGES).filter((k) => !messages[k]?.message?.trim())).toEqual([]);
  });

  it.each(OTHER_LOCALES)('%s keeps each message’s placeholders, in name and in content', (locale) => {
    for (const [key, m] of Object.entries(localeMessages(locale))) {
      const en = MESSAGES[key]!;
      expect(placeholdersUsed(m), `${locale}.${key}`).toEqual(placeholdersUsed(en));
      expect(m.placeholders ?? {}, `${locale}.${key}`).toEqual(en.placeholders ?? {});
      expect(m.message.replace(/\$[A-Za-z0-9_]+\$/g, ''), `${locale}.${key}`).not.toContain('$');
    }
  });

  it.each(OTHER_LOCALES)('%s is translated, and keeps SET Wallet and SET as they are', (locale) => {
    const messages = localeMessages(locale);
    const untranslated = Object.keys(MESSAGES).filter(
      (k) => isSentence(MESSAGES[k]!.message) && messages[k]?.message === MESSAGES[k]!.message,
    );
    expect(untranslated).toEqual([]);
    for (const [key, en] of Object.entries(MESSAGES)) {
      const text = messages[key]!.message;
      if (en.message.includes('SET Wallet')) expect(text, `${locale}.${key}`).toContain('SET Wallet');
      for (const term of en.message.match(/\bSET(?:\/2)?\b/g) ?? [])
        expect(text, `${locale}.${key}`).toContain(term);
    }
    expect(messages.badgePayment!.message.length).toBeLessThanOrEqual(4);
    expect(messages.badgeRegistration!.message.length).toBeLessThanOrEqual(4);
  });
});

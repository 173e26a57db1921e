// Every user-facing string comes from public/_locales/en/messages.json: each key the UI names
// exists, every wallet error code, SET ErrorCode, decline reason and strength hint has its message,
// and each message's placeholders are well formed and as many as its callers substitute.
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

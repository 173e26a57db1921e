// The background's switchboard (src/wallet/switchboard.ts) is one table: every request type the
// message schemas of src/wallet/messages.ts define has exactly one entry, from the context whose
// schema defines it, and the table has no entry that no schema defines. (What each entry does is
// tested through the background shell, tests/unit/background-shell.test.ts, and with a real wallet
// in tests/unit/wallet-purchase.test.ts.)
import { describe, expect, it } from 'vitest';
import { ContentToBackground, UiRequest } from '../../src/wallet/messages.ts';
import { SWITCHBOARD } from '../../src/wallet/switchboard.ts';

const typesOf = (schema: typeof ContentToBackground | typeof UiRequest) =>
  schema.options.map((option) => option.entries.type.literal);

describe('the background switchboard', () => {
  it('has exactly one entry for every request type in the message schemas, from the context that sends it', () => {
    const content = typesOf(ContentToBackground);
    const pages = typesOf(UiRequest);
    const all = [...content, ...pages];
    // A type named twice in the schemas would be two requests behind one entry.
    expect(new Set(all).size).toBe(all.length);
    expect(Object.keys(SWITCHBOARD).sort()).toEqual([...all].sort());
    const from = Object.fromEntries(Object.entries(SWITCHBOARD).map(([type, entry]) => [type, entry.from]));
    for (const type of content) expect(from[type], type).toBe('content');
    for (const type of pages) expect(from[type], type).toBe('page');
  });
});

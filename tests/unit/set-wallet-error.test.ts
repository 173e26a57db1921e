// Every SET ErrorCode has a sentence for merchant developers, and docs/merchant-guide.md lists each
// with exactly that sentence (so the guide and the SDK cannot drift).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SET_ERROR_SENTENCES, SetWalletError, setWalletError } from '../../src/merchant/index.ts';
import { ERROR_CODES, SetError } from '../../src/protocol/index.ts';

const guide = readFileSync(new URL('../../docs/merchant-guide.md', import.meta.url), 'utf8');

describe('SetWalletError', () => {
  it('has a sentence for every ErrorCode and nothing else', () => {
    expect(Object.keys(SET_ERROR_SENTENCES).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) expect(SET_ERROR_SENTENCES[code]).toMatch(/^[A-Z].{20,}[.]$/);
  });

  it('is a SetError with the code, the sentence, and the peer’s words', () => {
    const e = setWalletError(
      { errorCode: 'thumbsMismatch', errorMsg: 'AuthReq is sealed to another key' },
      'gateway',
    );
    expect(e).toBeInstanceOf(SetError);
    expect(e).toBeInstanceOf(SetWalletError);
    expect(e.name).toBe('SetWalletError');
    expect(e.code).toBe('thumbsMismatch');
    expect(e.message).toBe(SET_ERROR_SENTENCES.thumbsMismatch);
    expect(e.detail).toBe('AuthReq is sealed to another key');
    expect(e.from).toBe('gateway');
  });

  it.each([...ERROR_CODES])('docs/merchant-guide.md lists %s with its sentence', (code) => {
    expect(guide).toContain(`| \`${code}\` | ${SET_ERROR_SENTENCES[code]} |`);
  });

  it('the guide shows setwallet inspect for a raw body', () => {
    expect(guide).toMatch(/setwallet inspect \S+ --roots \S+/);
  });
});

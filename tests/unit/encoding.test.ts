// base64url as SET/2 requires it (RFC 4648 §5, no padding, canonical): every encoding round-trips,
// and every string the decoder accepts is the one canonical encoding of its bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b64u, fromB64u, SetError } from '../../src/protocol/index.ts';

describe('base64url', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(fromB64u(b64u(bytes))).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts only canonical encodings', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/), (text) => {
        try {
          expect(b64u(fromB64u(text))).toBe(text);
        } catch (e) {
          expect(e).toBeInstanceOf(SetError);
          expect((e as SetError).code).toBe('decodingFailure');
        }
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['AB', 'stray bits'],
    ['AAB', 'stray bits'],
    ['AAAAA', 'impossible length'],
    ['AA==', 'padding'],
    ['AA+/', 'standard alphabet'],
  ])('rejects %s (%s)', (text) => {
    expect(() => fromB64u(text)).toThrow(SetError);
  });
});

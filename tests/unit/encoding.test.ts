// base64url as SET/2 requires it (RFC 4648 §5, no padding, canonical): every encoding round-trips,
// and every string the decoder accepts is the one canonical encoding of its bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b64u, fromB64u, hex, nodeBufferCodec, SetError, useNativeCodec } from '../../src/protocol/index.ts';

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

describe('the native codec (Node Buffer) beside the portable one', () => {
  const portable = { b64u, fromB64u, hex };
  const withNative = <T>(f: () => T): T => {
    useNativeCodec(nodeBufferCodec(Buffer));
    try {
      return f();
    } finally {
      useNativeCodec(undefined);
    }
  };

  it('encodes any bytes (and any view into a larger buffer) exactly as the portable code does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(8), (bytes, cut) => {
        const view = bytes.subarray(Math.min(cut, bytes.length));
        const expected = { text: portable.b64u(view), hexText: portable.hex(view) };
        const got = withNative(() => ({ text: b64u(view), hexText: hex(view) }));
        expect(got).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes to the same plain Uint8Array, and refuses exactly what the portable code refuses', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_+/=-]{0,16}$/), (text) => {
        const run = () => {
          try {
            return { ok: fromB64u(text) };
          } catch (e) {
            return { code: (e as SetError).code };
          }
        };
        const expected = run();
        const got = withNative(run);
        expect(got).toEqual(expected);
        if (got.ok) {
          expect(got.ok.constructor).toBe(Uint8Array);
          expect(got.ok.byteOffset).toBe(0);
          expect(got.ok.buffer.byteLength).toBe(got.ok.length);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

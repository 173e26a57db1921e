/**
 * Byte and text encodings used on the SET/2 wire (SET-PROFILE §2): base64url without padding,
 * UTF-8 JSON, hex for people. Input is asserted at the edge; failures are SetErrors.
 */
import { fail } from './errors.ts';

const B64URL = /^[A-Za-z0-9_-]*$/;
const B64URL_VALUE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A platform's native base64url and hex (Node's Buffer: `nodeBufferCodec(Buffer)`), installed
 * once at start by a server with `useNativeCodec`. The protocol still checks every input itself
 * (alphabet, length, canonical bits) and hands the codec only well-formed text, so the bytes and
 * every refusal are the same with or without it (tests/unit/encoding.test.ts).
 */
export interface NativeCodec {
  /** base64url without padding. */
  toB64u(bytes: Uint8Array): string;
  /** Well-formed unpadded base64url (checked by the caller) to bytes. */
  fromB64u(text: string): Uint8Array;
  /** Lower-case hex. */
  toHex(bytes: Uint8Array): string;
}

let native: NativeCodec | undefined;

/** Installs (or, with undefined, removes) the platform's codec; see NativeCodec. */
export function useNativeCodec(codec: NativeCodec | undefined): void {
  native = codec;
}

/** What Node's Buffer (or a look-alike) offers, typed here so that src/protocol needs no Node types. */
export interface BufferLike {
  from(
    bytes: ArrayBuffer,
    offset: number,
    length: number,
  ): { toString(encoding: 'base64url' | 'hex'): string };
  from(text: string, encoding: 'base64url'): Uint8Array;
}

/** A NativeCodec over Node's Buffer: `useNativeCodec(nodeBufferCodec(Buffer))`. Returns plain Uint8Arrays. */
export function nodeBufferCodec(buffer: BufferLike): NativeCodec {
  const view = (b: Uint8Array) => buffer.from(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength);
  return {
    toB64u: (bytes) => view(bytes).toString('base64url'),
    // A copy: a small Buffer is a view into a shared pool, whose `.buffer` must not leak out.
    fromB64u: (text) => new Uint8Array(buffer.from(text, 'base64url')),
    toHex: (bytes) => view(bytes).toString('hex'),
  };
}

export function b64u(bytes: Uint8Array): string {
  if (native) return native.toB64u(bytes);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes base64url without padding; rejects padding, other alphabets and impossible lengths. */
export function fromB64u(text: string, what = 'value'): Uint8Array {
  if (typeof text !== 'string' || !B64URL.test(text) || text.length % 4 === 1) {
    fail('decodingFailure', `${what} is not base64url without padding`);
  }
  // Reject non-canonical encodings: the bits after the last whole byte must be zero (RFC 4648 §3.5).
  const spare = text.length % 4 === 2 ? 0x0f : text.length % 4 === 3 ? 0x03 : 0;
  if (spare && B64URL_VALUE.indexOf(text[text.length - 1]!) & spare) {
    fail('decodingFailure', `${what} is not canonical base64url`);
  }
  if (native) return native.fromB64u(text);
  const std = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function hex(bytes: Uint8Array): string {
  if (native) return native.toHex(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A certificate fingerprint as people compare it: colon-separated upper-case hex, the form
 * `openssl x509 -fingerprint -sha256` prints. Every place that shows one uses this.
 */
export function fingerprintText(digest: Uint8Array): string {
  return (hex(digest).toUpperCase().match(/../g) ?? []).join(':');
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) fail('decodingFailure', 'not a hex string');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    return fail('decodingFailure', 'bytes are not valid UTF-8');
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Serialises a structure once, as its author's bytes (SET-PROFILE §2 "hash what travels"). */
export function jsonBytes(value: unknown): Uint8Array {
  return utf8(JSON.stringify(value));
}

/**
 * Parses UTF-8 JSON bytes after a size check. Depth is bounded by the size limit; the result is
 * `unknown` and must go through a schema before use.
 */
export function parseJsonBytes(bytes: Uint8Array, maxBytes: number, what: string): unknown {
  if (bytes.length > maxBytes)
    fail('messageTooBig', `${what} is ${bytes.length} bytes; the limit is ${maxBytes}`);
  const text = fromUtf8(bytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fail('decodingFailure', `${what} is not valid JSON`);
  }
}

/** Length-prefixed concatenation (4-byte big-endian length before each part), for fixed binary inputs to hashes. */
export function lengthPrefixed(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(
    ...parts.flatMap((p) => {
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, p.length);
      return [len, p];
    }),
  );
}

/** Compares two base64url strings in time that depends only on their lengths. */
export function constantTimeEqualB64(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

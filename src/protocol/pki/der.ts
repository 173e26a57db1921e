/**
 * A small, strict DER reader (X.690 §10–11) for what SET/2 reads: certificates, CRLs, their
 * extensions, SubjectPublicKeyInfo and ECDSA-Sig-Value. One pass checks the whole value and builds
 * its tree: one TLV and no trailing bytes, definite minimal lengths, minimal tags, primitive
 * strings, constructed SEQUENCE/SET, canonical BOOLEAN/INTEGER/BIT STRING/NULL/OID, RFC 5280
 * §4.1.2.5 time forms naming real instants, a depth cap and a size cap. Thumbprints are hashes of
 * bytes, so two encodings of one certificate must never both be accepted. Every failure is a
 * SetError decodingFailure naming what was being read. No dependency: the wallet's service worker
 * and every server read certificates with this same code.
 */
import { fail, SetError } from '../errors.ts';

/** Certificates nest about ten levels deep; the cap keeps hostile input off the call stack. */
const MAX_DEPTH = 32;
/** SET/2 certificates are under 2 KB and CRLs far under 1 MB; nothing larger is read. */
export const MAX_DER_BYTES = 1 << 20;

export const TAG = {
  boolean: 1,
  integer: 2,
  bitString: 3,
  octetString: 4,
  null: 5,
  oid: 6,
  enumerated: 10,
  utf8String: 12,
  sequence: 16,
  set: 17,
  printableString: 19,
  ia5String: 22,
  utcTime: 23,
  generalizedTime: 24,
} as const;

/** Tag classes (X.690 §8.1.2.2). */
export const UNIVERSAL = 0;
export const CONTEXT = 2;

/** One DER value: its identifier, its content, and (constructed) its children, in order. */
export interface Der {
  cls: number;
  tag: number;
  constructed: boolean;
  /** The whole TLV. */
  bytes: Uint8Array;
  /** The content octets. */
  value: Uint8Array;
  children: Der[];
}

/** Reads exactly one DER value from `bytes`; decodingFailure unless the whole input is that value. */
export function readDer(bytes: Uint8Array, what: string): Der {
  if (bytes.length > MAX_DER_BYTES) fail('decodingFailure', `${what} is larger than ${MAX_DER_BYTES} bytes`);
  const { node, end } = readTlv(bytes, 0, 0, what);
  if (end !== bytes.length) fail('decodingFailure', `${what} has trailing bytes`);
  return node;
}

function readTlv(b: Uint8Array, start: number, depth: number, what: string): { node: Der; end: number } {
  const bad = (why: string): never => {
    throw new SetError('decodingFailure', `${what} is not valid DER: ${why}`);
  };
  if (depth > MAX_DEPTH) bad('nested too deeply');
  let at = start;
  const identifier = b[at++];
  if (identifier === undefined) return bad('truncated');
  const constructed = (identifier & 0x20) !== 0;
  const cls = identifier >> 6;
  let tag = identifier & 0x1f;
  if (tag === 0x1f) {
    // High tag number form, X.690 §8.1.2.4: base-128, no leading 0x80, only for tags ≥ 31.
    tag = 0;
    for (let n = 0; ; n++) {
      const octet = b[at++];
      if (octet === undefined || n > 3) return bad('bad tag');
      if (n === 0 && octet === 0x80) bad('non-minimal tag');
      tag = tag * 128 + (octet & 0x7f);
      if ((octet & 0x80) === 0) break;
    }
    if (tag < 0x1f) bad('non-minimal tag');
  }
  const first = b[at++];
  if (first === undefined) return bad('truncated');
  let length = first;
  if (first === 0x80) bad('indefinite length');
  if (first > 0x80) {
    const count = first & 0x7f;
    if (count > 4) bad('length too large');
    length = 0;
    for (let i = 0; i < count; i++) {
      const octet = b[at++];
      if (octet === undefined) return bad('truncated');
      if (i === 0 && octet === 0) bad('non-minimal length');
      length = length * 256 + octet;
    }
    if (length < 0x80) bad('non-minimal length');
  }
  const end = at + length;
  if (end > b.length) bad('truncated');
  const universal = cls === UNIVERSAL;
  if (universal && constructed !== (tag === TAG.sequence || tag === TAG.set)) {
    bad(constructed ? 'constructed string' : 'primitive SEQUENCE or SET');
  }
  const node: Der = {
    cls,
    tag,
    constructed,
    bytes: b.subarray(start, end),
    value: b.subarray(at, end),
    children: [],
  };
  if (constructed) {
    const inner = b.subarray(0, end);
    while (at < end) {
      const child = readTlv(inner, at, depth + 1, what);
      node.children.push(child.node);
      at = child.end;
    }
  } else if (universal) {
    checkPrimitive(tag, node.value, bad);
  }
  return { node, end };
}

function checkPrimitive(tag: number, v: Uint8Array, bad: (why: string) => never): void {
  switch (tag) {
    case TAG.boolean:
      if (v.length !== 1 || (v[0] !== 0 && v[0] !== 0xff)) bad('BOOLEAN must be 00 or FF');
      return;
    case TAG.integer:
    case TAG.enumerated:
      if (v.length === 0) bad('empty INTEGER');
      if (v.length > 1 && ((v[0] === 0 && v[1]! < 0x80) || (v[0] === 0xff && v[1]! >= 0x80))) {
        bad('non-minimal INTEGER');
      }
      return;
    case TAG.bitString: {
      const unused = v[0];
      if (unused === undefined || unused > 7 || (v.length === 1 && unused !== 0)) bad('bad BIT STRING');
      if ((v[v.length - 1]! & ((1 << unused) - 1)) !== 0) bad('BIT STRING padding bits are not zero');
      return;
    }
    case TAG.null:
      if (v.length !== 0) bad('NULL with content');
      return;
    case TAG.oid:
      if (v.length === 0 || v[v.length - 1]! & 0x80) bad('truncated OBJECT IDENTIFIER');
      for (let i = 0; i < v.length; i++) {
        if (v[i] === 0x80 && (i === 0 || (v[i - 1]! & 0x80) === 0)) bad('non-minimal OBJECT IDENTIFIER');
      }
      return;
    case TAG.utcTime:
      if (v.length !== 13 || !isCalendarTime(`20${latin1(v)}`)) bad('UTCTime must be YYMMDDHHMMSSZ');
      return;
    case TAG.generalizedTime:
      if (v.length !== 15 || !isCalendarTime(latin1(v))) bad('GeneralizedTime must be YYYYMMDDHHMMSSZ');
      return;
  }
}

/** YYYYMMDDHHMMSSZ naming a real instant (31 February is refused, not rolled into March). */
function isCalendarTime(text: string): boolean {
  return timeOfText(text) !== undefined;
}

function timeOfText(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC maps years 0–99 to 1900–1999: set the year itself.
  date.setUTCFullYear(year);
  const ok =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return ok ? date : undefined;
}

/** One character per octet (a loop: spreading a long value into fromCharCode would overflow the stack). */
function latin1(v: Uint8Array): string {
  let text = '';
  for (const b of v) text += String.fromCharCode(b);
  return text;
}

/**
 * The children of a constructed value read in order: `next` takes the next child, which must
 * have the given tag; `optional` takes it only when it has that tag; `end` refuses leftovers.
 */
export class DerReader {
  private at = 0;
  constructor(
    readonly node: Der,
    readonly what: string,
  ) {
    if (!node.constructed) fail('decodingFailure', `${what} must be a constructed value`);
  }

  next(tag: number, cls: number = UNIVERSAL): Der {
    const child = this.node.children[this.at];
    if (!child) return fail('decodingFailure', `${this.what} ends too early`);
    if (child.tag !== tag || child.cls !== cls) {
      fail('decodingFailure', `${this.what} has an unexpected element`);
    }
    this.at++;
    return child;
  }

  /** The next child whatever its tag (ANY). */
  any(): Der {
    const child = this.node.children[this.at++];
    if (!child) return fail('decodingFailure', `${this.what} ends too early`);
    return child;
  }

  optional(tag: number, cls: number = UNIVERSAL): Der | undefined {
    const child = this.node.children[this.at];
    if (!child || child.tag !== tag || child.cls !== cls) return undefined;
    this.at++;
    return child;
  }

  get done(): boolean {
    return this.at >= this.node.children.length;
  }

  end(): void {
    if (!this.done) fail('decodingFailure', `${this.what} has unexpected trailing elements`);
  }
}

/** A SEQUENCE's reader; decodingFailure when `node` is not one. */
export function sequence(node: Der, what: string): DerReader {
  if (node.cls !== UNIVERSAL || node.tag !== TAG.sequence)
    fail('decodingFailure', `${what} must be a SEQUENCE`);
  return new DerReader(node, what);
}

/** A value of `bytes` that must be exactly one SEQUENCE. */
export function readSequence(bytes: Uint8Array, what: string): DerReader {
  return sequence(readDer(bytes, what), what);
}

function expect(node: Der, tag: number, what: string, name: string): Uint8Array {
  if (node.cls !== UNIVERSAL || node.tag !== tag) fail('decodingFailure', `${what} must be ${name}`);
  return node.value;
}

/** INTEGER content octets (two's complement, minimal). */
export function integerOf(node: Der, what: string): Uint8Array {
  return expect(node, TAG.integer, what, 'an INTEGER');
}

/** A non-negative INTEGER that fits a safe JavaScript number. */
export function smallIntegerOf(node: Der, what: string): number {
  return integerToSafe(integerOf(node, what), what);
}

export function integerToSafe(v: Uint8Array, what: string): number {
  if ((v[0]! & 0x80) !== 0 || v.length > 7) fail('decodingFailure', `${what} is out of range`);
  let n = 0;
  for (const b of v) n = n * 256 + b;
  if (!Number.isSafeInteger(n)) fail('decodingFailure', `${what} is out of range`);
  return n;
}

export function booleanOf(node: Der, what: string): boolean {
  return expect(node, TAG.boolean, what, 'a BOOLEAN')[0] === 0xff;
}

export function octetsOf(node: Der, what: string): Uint8Array {
  return expect(node, TAG.octetString, what, 'an OCTET STRING');
}

/** A BIT STRING's octets and unused-bit count. */
export function bitStringOf(node: Der, what: string): { bytes: Uint8Array; unusedBits: number } {
  const v = expect(node, TAG.bitString, what, 'a BIT STRING');
  return { bytes: v.subarray(1), unusedBits: v[0]! };
}

/** A BIT STRING holding whole octets (keys, signatures). */
export function bitStringBytesOf(node: Der, what: string): Uint8Array {
  const { bytes, unusedBits } = bitStringOf(node, what);
  if (unusedBits !== 0) fail('decodingFailure', `${what} is not a whole number of octets`);
  return bytes;
}

/** The named bits set in a BIT STRING (bit 0 is the first octet's high bit, X.690 §11.2.2). */
export function namedBitsOf(node: Der, what: string): Set<number> {
  const { bytes, unusedBits } = bitStringOf(node, what);
  // DER: named-bit lists drop trailing zero bits, so the last bit present is a one.
  if (bytes.length > 0 && (bytes[bytes.length - 1]! & (1 << unusedBits)) === 0) {
    fail('decodingFailure', `${what} has trailing zero bits`);
  }
  const bits = new Set<number>();
  for (let i = 0; i < bytes.length * 8 - unusedBits; i++) {
    if ((bytes[i >> 3]! << (i & 7)) & 0x80) bits.add(i);
  }
  return bits;
}

/** An OBJECT IDENTIFIER in dotted form. */
export function oidOf(node: Der, what: string): string {
  const v = expect(node, TAG.oid, what, 'an OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    n = n * 128 + (v[i]! & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER / 128) fail('decodingFailure', `${what} has an arc out of range`);
    if ((v[i]! & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = n < 40 ? 0 : n < 80 ? 1 : 2;
        arcs.push(first, n - first * 40);
      } else {
        arcs.push(n);
      }
      n = 0;
    }
  }
  return arcs.join('.');
}

/** UTCTime (years 1950–2049, RFC 5280 §4.1.2.5.1) or GeneralizedTime. */
export function timeOf(node: Der, what: string): Date {
  if (node.cls === UNIVERSAL && node.tag === TAG.utcTime) {
    const text = latin1(node.value);
    const yy = Number(text.slice(0, 2));
    return timeOfText(`${yy < 50 ? 20 : 19}${text}`) ?? fail('decodingFailure', `${what} is not a time`);
  }
  if (node.cls === UNIVERSAL && node.tag === TAG.generalizedTime) {
    return timeOfText(latin1(node.value)) ?? fail('decodingFailure', `${what} is not a time`);
  }
  return fail('decodingFailure', `${what} must be a UTCTime or GeneralizedTime`);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of a directory string: UTF8String, PrintableString (its character set checked) or
 * IA5String (ASCII); undefined for any other type. RFC 5280 §4.1.2.4: conforming CAs write
 * PrintableString or UTF8String; BMPString, UniversalString and TeletexString are not read.
 */
export function textOf(node: Der): string | undefined {
  if (node.cls !== UNIVERSAL || node.constructed) return undefined;
  const v = node.value;
  if (node.tag === TAG.utf8String) {
    try {
      return UTF8.decode(v);
    } catch {
      return undefined;
    }
  }
  const text = latin1(v);
  if (node.tag === TAG.printableString) return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text) ? text : undefined;
  if (node.tag === TAG.ia5String) return v.every((c) => c < 0x80) ? text : undefined;
  return undefined;
}

/** A string of one required type (UTF8String, PrintableString or IA5String), its text checked. */
export function stringOf(node: Der, tag: number, what: string): string {
  if (node.cls !== UNIVERSAL || node.tag !== tag)
    fail('decodingFailure', `${what} has the wrong string type`);
  const text = textOf(node);
  if (text === undefined) fail('decodingFailure', `${what} is not a valid string of its type`);
  return text;
}

/** Unsigned big-endian magnitude to DER INTEGER content octets (X.690 §8.3). */
export function unsignedToInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  if (trimmed.length === 0 || (trimmed[0]! & 0x80) === 0) return trimmed.slice();
  const out = new Uint8Array(trimmed.length + 1);
  out.set(trimmed, 1);
  return out;
}

/** Non-negative small INTEGER from asn1-schema, which hands back a decimal string from 4 bytes on. */
export function toSafeInteger(value: number | string | bigint, what: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n < 0) fail('decodingFailure', `${what} is out of range`);
  return n;
}

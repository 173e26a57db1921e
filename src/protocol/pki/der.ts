/**
 * DER at the PKI boundary. asn1js (under @peculiar/asn1-schema) reads BER, so certificates and
 * CRLs first pass a strict DER check (X.690 §10–11): one TLV, definite minimal lengths, primitive
 * strings, canonical BOOLEAN/INTEGER/BIT STRING, RFC 5280 §4.1.2.5 time forms. Thumbprints are
 * hashes of bytes, so two encodings of one certificate must not both be accepted.
 */
import { AsnConvert, AsnParser, BitString } from '@peculiar/asn1-schema';
import { fail, SetError } from '../errors.ts';

/** Certificates nest about ten levels deep; the cap keeps hostile input off the call stack. */
const MAX_DEPTH = 32;

const TAG = {
  boolean: 1,
  integer: 2,
  bitString: 3,
  null: 5,
  oid: 6,
  enumerated: 10,
  sequence: 16,
  set: 17,
  utcTime: 23,
  generalizedTime: 24,
} as const;

/** Throws decodingFailure unless `bytes` is exactly one DER-encoded value. */
function assertDer(bytes: Uint8Array, what: string): void {
  if (readTlv(bytes, 0, 0, what) !== bytes.length) fail('decodingFailure', `${what} has trailing bytes`);
}

/** Strict DER check, then schema decoding; every failure is a SetError decodingFailure. */
export function decodeDer<T>(bytes: Uint8Array, schema: new () => T, what: string): T {
  assertDer(bytes, what);
  try {
    return AsnParser.parse(bytes, schema);
  } catch {
    return fail('decodingFailure', `${what} does not match its ASN.1 structure`);
  }
}

export function encodeDer(value: unknown): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

/** Named-bit BIT STRING with bit 0 first and trailing zero bits dropped (X.690 §11.2.2). */
export function namedBitsToBitString(bits: Iterable<number>): BitString {
  const set = [...bits];
  const length = set.length === 0 ? 0 : Math.max(...set) + 1;
  const octets = new Uint8Array(Math.ceil(length / 8));
  for (const bit of set) octets[bit >> 3]! |= 0x80 >> (bit & 7);
  return new BitString(octets, octets.length * 8 - length);
}

export function bitStringToNamedBits(value: BitString): Set<number> {
  const octets = new Uint8Array(value.value);
  const bits = new Set<number>();
  for (let i = 0; i < octets.length * 8 - value.unusedBits; i++) {
    if ((octets[i >> 3]! << (i & 7)) & 0x80) bits.add(i);
  }
  return bits;
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

function readTlv(b: Uint8Array, start: number, depth: number, what: string): number {
  const bad = (why: string): never => {
    throw new SetError('decodingFailure', `${what} is not valid DER: ${why}`);
  };
  if (depth > MAX_DEPTH) bad('nested too deeply');
  let at = start;
  const identifier = b[at++];
  if (identifier === undefined) return bad('truncated');
  const constructed = (identifier & 0x20) !== 0;
  const universal = identifier >> 6 === 0;
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
  if (universal && constructed !== (tag === TAG.sequence || tag === TAG.set)) {
    bad(constructed ? 'constructed string' : 'primitive SEQUENCE or SET');
  }
  if (constructed) {
    while (at < end) at = readTlv(b.subarray(0, end), at, depth + 1, what);
    return end;
  }
  if (universal) checkPrimitive(tag, b.subarray(at, end), bad);
  return end;
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

/** YYYYMMDDHHMMSSZ naming a real instant: asn1js would quietly roll 31 February into March. */
function isCalendarTime(text: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}

function latin1(v: Uint8Array): string {
  return String.fromCharCode(...v);
}

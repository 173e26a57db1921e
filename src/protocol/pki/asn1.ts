/**
 * ASN.1 schemas (@peculiar/asn1-schema) for what only a CA writes: certificates, CRLs and private
 * keys it issues or stores. Servers and tools only: the wallet reads with der.ts and never loads
 * this module (tests/unit/architecture.test.ts). asn1js reads BER, so a value decoded here first
 * passes der.ts's strict reader.
 */
import { AsnConvert, AsnParser, BitString } from '@peculiar/asn1-schema';
import { fail } from '../errors.ts';
import { readDer } from './der.ts';

/** Throws decodingFailure unless `bytes` is exactly one DER-encoded value. */
function assertDer(bytes: Uint8Array, what: string): void {
  readDer(bytes, what);
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

/**
 * src/protocol/pki/der.ts, the strict DER reader every party reads certificates and CRLs with
 * (issue 11: the wallet carries no ASN.1 library). Checked three ways:
 * - against the ASN.1 library CAs still write with (@peculiar/asn1-x509, the previous reader) and
 *   against `openssl` on every certificate and CRL of a sandbox hierarchy and on a certificate
 *   OpenSSL wrote itself (tests/fixtures/pki/openssl-merchant.pem);
 * - on hand-made encodings that DER forbids (each must be a decodingFailure SetError);
 * - on generated input: whatever the reader accepts re-encodes to exactly its input (one encoding
 *   per value), and a mutated certificate is refused with a SetError or, when still accepted, read
 *   exactly as the ASN.1 library reads it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnParser } from '@peculiar/asn1-schema';
import { Certificate, CertificateList } from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, hex } from '../../src/protocol/encoding.ts';
import { SetError } from '../../src/protocol/errors.ts';
import { parseCertificate, pemToDers } from '../../src/protocol/pki/certificate.ts';
import { parseCrl } from '../../src/protocol/pki/crl.ts';
import { type Der, MAX_DER_BYTES, readDer } from '../../src/protocol/pki/der.ts';
import type { ParsedCertificate } from '../../src/protocol/pki/types.ts';
import { makeWorld, revocationOf } from '../support/world.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'pki');
const work = mkdtempSync(join(tmpdir(), 'der-reader-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** DER of a tree the reader built: identifier, minimal definite length, content (X.690 §8.1). */
function encode(node: Der): Uint8Array {
  const content = node.constructed ? concat(node.children.map(encode)) : node.value;
  const id: number[] = [];
  const head = (node.cls << 6) | (node.constructed ? 0x20 : 0);
  if (node.tag < 31) id.push(head | node.tag);
  else {
    const digits: number[] = [];
    for (let t = node.tag; t > 0; t = Math.floor(t / 128)) digits.unshift(t % 128);
    id.push(head | 0x1f, ...digits.map((d, i) => (i < digits.length - 1 ? d | 0x80 : d)));
  }
  const n = content.length;
  const len: number[] = [];
  if (n < 0x80) len.push(n);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
    len.push(0x80 | bytes.length, ...bytes);
  }
  return concat([new Uint8Array(id), new Uint8Array(len), content]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function openssl(args: string[], der: Uint8Array): string {
  const file = join(work, 'in.der');
  writeFileSync(file, der);
  const r = spawnSync('openssl', [...args, '-inform', 'DER', '-in', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const field = (out: string, name: string): string => {
  const line = out.split('\n').find((l) => l.startsWith(`${name}=`));
  if (line === undefined) throw new Error(`openssl printed no ${name}`);
  return line.slice(name.length + 1);
};

/** openssl's "Nov 24 15:03:36 2026 GMT" as a Date. */
const opensslDate = (text: string): number => Date.parse(text.replace(' GMT', ' UTC'));

/** What the ASN.1 library (the previous reader) reads from a certificate. */
function libraryView(der: Uint8Array) {
  const cert = AsnParser.parse(der, Certificate);
  const tbs = cert.tbsCertificate;
  return {
    serial: hex(new Uint8Array(tbs.serialNumber)).replace(/^00/, ''),
    notBefore: tbs.validity.notBefore.getTime().getTime(),
    notAfter: tbs.validity.notAfter.getTime().getTime(),
    publicKey: hex(new Uint8Array(tbs.subjectPublicKeyInfo.subjectPublicKey)),
    tbs: hex(new Uint8Array(cert.tbsCertificateRaw!)),
    extensions: (tbs.extensions ?? []).map(
      (e) => `${e.extnID}:${e.critical}:${hex(new Uint8Array(e.extnValue.buffer))}`,
    ),
  };
}

function readerView(c: ParsedCertificate) {
  return {
    serial: c.serialNumber,
    notBefore: c.notBefore.getTime(),
    notAfter: c.notAfter.getTime(),
    publicKey: hex(c.publicKey),
    tbs: hex(c.tbs),
  };
}

/** The extensions as the reader's tree holds them, in the library's form. */
function readerExtensions(der: Uint8Array): string[] {
  const tbs = readDer(der, 'certificate').children[0]!;
  const wrapper = tbs.children.find((n) => n.cls === 2 && n.tag === 3);
  return (wrapper?.children[0]?.children ?? []).map((ext) => {
    const [oid, second, third] = ext.children;
    const critical = third !== undefined && second!.value[0] === 0xff;
    const value = (third ?? second)!.value;
    return `${oidText(oid!.value)}:${critical}:${hex(value)}`;
  });
}

function oidText(v: Uint8Array): string {
  const arcs: number[] = [];
  let n = 0;
  for (const b of v) {
    n = n * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(n < 80 ? Math.floor(n / 40) : 2, n < 80 ? n % 40 : n - 80);
      else arcs.push(n);
      n = 0;
    }
  }
  return arcs.join('.');
}

const world = makeWorld(new Date('2030-06-01T12:00:00Z'));
const hierarchy = world.hierarchy.entries.map((e) => e.certificate);
const opensslMerchant = pemToDers(readFileSync(join(FIXTURES, 'openssl-merchant.pem'), 'utf8'))[0]!;

describe('the DER reader reads as the ASN.1 library and openssl do', () => {
  it(`every certificate of a sandbox hierarchy (${hierarchy.length}) and one OpenSSL wrote`, () => {
    const ders = [...hierarchy.map((c) => c.der), opensslMerchant];
    for (const der of ders) {
      const parsed = parseCertificate(der);
      const lib = libraryView(der);
      const { extensions, ...libFields } = lib;
      expect(readerView(parsed)).toEqual(libFields);
      expect(readerExtensions(der)).toEqual(extensions);
      expect(hex(encode(readDer(der, 'certificate')))).toBe(hex(der));
      const out = openssl(
        [
          'x509',
          '-noout',
          '-subject',
          '-issuer',
          '-serial',
          '-dates',
          '-nameopt',
          'RFC2253',
          '-fingerprint',
          '-sha256',
        ],
        der,
      );
      expect(parsed.subjectDn).toBe(field(out, 'subject'));
      expect(parsed.issuerDn).toBe(field(out, 'issuer'));
      expect(parsed.serialNumber).toBe(
        field(out, 'serial')
          .toLowerCase()
          .replace(/^0+(?=.)/, ''),
      );
      expect(parsed.notBefore.getTime()).toBe(opensslDate(field(out, 'notBefore')));
      expect(parsed.notAfter.getTime()).toBe(opensslDate(field(out, 'notAfter')));
      expect(hex(parsed.thumbprint)).toBe(field(out, 'sha256 Fingerprint').replace(/:/g, '').toLowerCase());
    }
  });

  it('every CRL of the sandbox, one revoking two certificates', async () => {
    const serials = [world.party('cca').certificate.serialNumber, 'ff01'];
    const { crls } = await revocationOf(world, {
      revoked: serials.map((serialNumber) => ({ ca: 'brand-ca', serialNumber })),
      crlNumber: 7,
    });
    for (const issued of crls) {
      const crl = parseCrl(issued.der);
      const lib = AsnParser.parse(issued.der, CertificateList);
      expect(hex(crl.tbs)).toBe(hex(new Uint8Array(lib.tbsCertListRaw!)));
      expect(crl.thisUpdate.getTime()).toBe(lib.tbsCertList.thisUpdate.getTime().getTime());
      expect(crl.nextUpdate.getTime()).toBe(lib.tbsCertList.nextUpdate!.getTime().getTime());
      expect([...crl.revoked.keys()]).toEqual(
        (lib.tbsCertList.revokedCertificates ?? []).map((r) =>
          hex(new Uint8Array(r.userCertificate)).replace(/^00/, ''),
        ),
      );
      const out = openssl(['crl', '-noout', '-text', '-nameopt', 'RFC2253'], issued.der);
      expect(out).toContain(`Issuer: ${crl.issuerDn}`);
      expect(out).toMatch(new RegExp(`X509v3 CRL Number: \\n\\s+${crl.crlNumber}\\n`));
      for (const serial of crl.revoked.keys())
        expect(out.toLowerCase()).toContain(`serial number: ${serial}`);
      expect(hex(encode(readDer(issued.der, 'CRL')))).toBe(hex(issued.der));
    }
    expect(crls.find((c) => c.revoked.size === 2)).toBeDefined();
  });
});

/** A valid certificate (the sandbox root). */
const cert = hierarchy[0]!.der;

/** Encodings DER forbids, each with why; every one must be a decodingFailure. */
const FORBIDDEN: [string, string][] = [
  ['empty input', ''],
  ['truncated length', '30'],
  ['content shorter than its length', '300301'],
  ['trailing bytes after the value', '30000000'],
  ['indefinite length', '30800000'],
  ['long form for a short length', '3081030101ff'],
  ['leading zero in a long length', '308200030101ff'],
  ['five length octets', '3085000000000100'],
  ['non-minimal high tag', '1f8001'],
  ['high tag form for a low tag', '1f1e00'],
  ['constructed OCTET STRING (BER)', '24030401aa'],
  ['primitive SEQUENCE', '1000'],
  ['BOOLEAN other than 00 or FF', '010101'],
  ['BOOLEAN of two octets', '0102ffff'],
  ['empty INTEGER', '0200'],
  ['INTEGER with a redundant 00', '02020001'],
  ['INTEGER with a redundant FF', '0202ff80'],
  ['BIT STRING without its unused-bits octet', '0300'],
  ['BIT STRING with 8 unused bits', '030208ff'],
  ['BIT STRING whose padding bits are not zero', '030201ff'],
  ['empty BIT STRING claiming unused bits', '030101'],
  ['NULL with content', '050100'],
  ['truncated OBJECT IDENTIFIER', '06022a86'],
  ['OBJECT IDENTIFIER arc with a leading 0x80', '0603802a01'],
  ['UTCTime without seconds', `170b${hex(new TextEncoder().encode('3001010000Z'))}`],
  ['UTCTime with an offset', `1711${hex(new TextEncoder().encode('300101000000+0000'))}`],
  ['UTCTime on 31 February', `170d${hex(new TextEncoder().encode('300231000000Z'))}`],
  ['GeneralizedTime with fractions', `1811${hex(new TextEncoder().encode('20300101000000.5Z'))}`],
  ['GeneralizedTime at hour 24', `180f${hex(new TextEncoder().encode('20300101240000Z'))}`],
  ['an element inside a SEQUENCE running past it', '3003020201'],
];

describe('the DER reader refuses what DER forbids', () => {
  it.each(FORBIDDEN)('%s', (_why, encoding) => {
    let caught: unknown;
    try {
      readDer(fromHex(encoding), 'the value');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SetError);
    expect((caught as SetError).code).toBe('decodingFailure');
  });

  it('refuses nesting deeper than 32 levels and input over its size cap', () => {
    let nested = fromHex('0500');
    for (let i = 0; i < 40; i++)
      nested = concat([
        fromHex(`30${(nested.length < 128 ? '' : '81') + hex(new Uint8Array([nested.length]))}`),
        nested,
      ]);
    expect(() => readDer(nested, 'deep')).toThrow(/nested too deeply/);
    expect(() => readDer(new Uint8Array(MAX_DER_BYTES + 1), 'big')).toThrow(SetError);
  });

  it('a certificate with a non-minimal length or a trailing byte is refused, not read', () => {
    // Long-form length for the outer SEQUENCE: one byte longer, same value, a different thumbprint.
    const tbsAndRest = readDer(cert, 'certificate').value;
    const longer = concat([
      fromHex(`3083${hex(new Uint8Array([0, tbsAndRest.length >> 8, tbsAndRest.length & 0xff]))}`),
      tbsAndRest,
    ]);
    for (const bad of [longer, concat([cert, new Uint8Array([0])])]) {
      expect(() => parseCertificate(bad)).toThrow(SetError);
    }
  });
});

describe('the DER reader on generated input', () => {
  it('anything it accepts re-encodes to exactly its input; everything else is a SetError', () => {
    const tlv: fc.Arbitrary<Uint8Array> = fc.letrec<{ v: Uint8Array }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.uint8Array({ maxLength: 6 }),
        fc
          .tuple(fc.constantFrom(0x30, 0x31, 0xa0, 0xa3), fc.array(tie('v'), { maxLength: 3 }))
          .map(([id, parts]) => {
            const body = concat(parts);
            return concat([new Uint8Array([id, body.length & 0xff]), body]);
          }),
        fc
          .tuple(fc.integer({ min: 0, max: 0x3f }), fc.uint8Array({ maxLength: 4 }))
          .map(([id, body]) => concat([new Uint8Array([id, body.length]), body])),
      ),
    })).v;
    fc.assert(
      fc.property(tlv, (bytes) => {
        try {
          const node = readDer(bytes, 'generated');
          expect(hex(encode(node))).toBe(hex(bytes));
        } catch (e) {
          if (!(e instanceof SetError)) throw e;
          expect(e.code).toBe('decodingFailure');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a mutated certificate is refused with a SetError, or read exactly as the ASN.1 library reads it', () => {
    const mutation = fc.oneof(
      fc.tuple(fc.constant('flip' as const), fc.nat(cert.length - 1), fc.integer({ min: 1, max: 255 })),
      fc.tuple(fc.constant('drop' as const), fc.nat(cert.length - 1), fc.constant(0)),
      fc.tuple(fc.constant('insert' as const), fc.nat(cert.length), fc.integer({ min: 0, max: 255 })),
    );
    let accepted = 0;
    fc.assert(
      fc.property(mutation, ([kind, at, x]) => {
        const der =
          kind === 'flip'
            ? cert.map((b, i) => (i === at ? b ^ x : b))
            : kind === 'drop'
              ? concat([cert.subarray(0, at), cert.subarray(at + 1)])
              : concat([cert.subarray(0, at), new Uint8Array([x]), cert.subarray(at)]);
        let parsed: ParsedCertificate;
        try {
          parsed = parseCertificate(der);
        } catch (e) {
          if (!(e instanceof SetError)) throw e;
          return;
        }
        accepted++;
        const { extensions: _, ...lib } = libraryView(der);
        expect(readerView(parsed)).toEqual(lib);
        expect(hex(encode(readDer(der, 'certificate')))).toBe(hex(der));
      }),
      { numRuns: 2000 },
    );
    // Flipping bits inside a name or a key identifier keeps the structure: some are accepted.
    expect(accepted).toBeGreaterThan(0);
  });
});

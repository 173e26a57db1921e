import { AsnConvert, AsnParser, OctetString } from '@peculiar/asn1-schema';
import { Certificate, Extension, id_ce_basicConstraints } from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, hex } from '../../src/protocol/encoding.ts';
import { SetError } from '../../src/protocol/errors.ts';
import {
  type CertificateType,
  certificateToPem,
  createCa,
  createRoot,
  crlToPem,
  type Issuer,
  issueCertificate,
  issueCrl,
  issueEndEntity,
  type KeyRole,
  type ParsedCertificate,
  type PathRequest,
  parseCertificate,
  parseCrl,
  pemToDers,
  privateKeyFromPem,
  privateKeyToPem,
  validatePath,
} from '../../src/protocol/pki/index.ts';
import {
  encodeCertificateType,
  encodeHashedRootKey,
  encodeMerchantData,
  encodeSetBoolean,
  encodeSetExtensions,
} from '../../src/protocol/pki/issue.ts';
import { decodeMerchantData } from '../../src/protocol/pki/set-extensions.ts';
import { generateKeyPair, publicKeyOf, sign, signatureToDer } from '../../src/protocol/primitives/ecdsa.ts';
import { randomBytes, sha256 } from '../../src/protocol/primitives/hash.ts';

const NOW = new Date('2030-06-01T12:00:00Z');
const DAY = 86_400_000;
const validFor = (days: number) => ({
  notBefore: new Date(NOW.getTime() - DAY),
  notAfter: new Date(NOW.getTime() + days * DAY),
});

const MERCHANT_DATA = {
  merchantId: 'DEMO-0001',
  name: 'SET Demo Store',
  city: 'Springfield',
  country: 'US',
  categoryCode: '5999',
};

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof SetError) return e.code;
    throw e;
  }
  throw new Error('expected a SetError');
}

async function errorOf(fn: () => unknown): Promise<SetError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof SetError) return e;
    throw e;
  }
  throw new Error('expected a SetError');
}

/** A small SET tree, optionally with a geopolitical CA between the brand and the CCA/MCA/PCA. */
function makeTree(opts: { geo?: boolean; brandPathLength?: number } = {}) {
  const root = createRoot({ commonName: 'Test Root', ...validFor(3650) });
  const brand = createCa(root, {
    certificateType: 'brand-ca',
    commonName: 'TestBrand',
    ...validFor(1800),
    pathLength: opts.brandPathLength,
  });
  const parent = opts.geo
    ? createCa(brand, { certificateType: 'geo-ca', commonName: 'TestBrand Europe', ...validFor(1800) })
    : brand;
  const cca = createCa(parent, {
    certificateType: 'cardholder-ca',
    commonName: 'Test CCA',
    ...validFor(1800),
    pathLength: 0,
  });
  const mca = createCa(parent, {
    certificateType: 'merchant-ca',
    commonName: 'Test MCA',
    ...validFor(1800),
    pathLength: 0,
  });
  const pca = createCa(parent, { certificateType: 'gateway-ca', commonName: 'Test PCA', ...validFor(1800) });
  const ee = (issuer: Issuer, certificateType: CertificateType, keyRole: KeyRole, extra: object = {}) => {
    const { privateKey, publicKey } = generateKeyPair();
    const certificate = issueEndEntity(issuer, {
      certificateType,
      keyRole,
      publicKey,
      subject: { commonName: `Test ${certificateType} ${keyRole}` },
      ...validFor(700),
      ...extra,
    });
    return { certificate, privateKey };
  };
  const cardholder = ee(cca, 'cardholder', 'signature', { uniqueCardholderId: randomBytes(32) });
  const merchantSig = ee(mca, 'merchant', 'signature', {
    merchantData: MERCHANT_DATA,
    origins: ['https://shop.example'],
  });
  const merchantKx = ee(mca, 'merchant', 'key-exchange');
  const gatewaySig = ee(pca, 'gateway', 'signature', { cardCertRequired: true });
  const gatewayKx = ee(pca, 'gateway', 'key-exchange', { cardCertRequired: false });
  const cas = [root, brand, ...(opts.geo ? [parent] : []), cca, mca, pca];
  return {
    root,
    brand,
    parent,
    cca,
    mca,
    pca,
    cardholder,
    merchantSig,
    merchantKx,
    gatewaySig,
    gatewayKx,
    pool: cas.map((c) => c.certificate),
  };
}

const tree = makeTree();

async function path(leaf: ParsedCertificate, overrides: Partial<PathRequest> = {}) {
  return await validatePath({
    leaf,
    pool: tree.pool,
    trustedRoots: [tree.root.certificate],
    at: NOW,
    expect: { types: [leaf.certificateType], keyRole: leaf.keyRole },
    ...overrides,
  });
}

/** Decodes `der`, lets `mutate` edit the TBSCertificate, and signs it again with `signer`. */
function resign(der: Uint8Array, signer: Uint8Array, mutate: (cert: Certificate) => void): Uint8Array {
  const cert = AsnParser.parse(der, Certificate);
  mutate(cert);
  const tbs = new Uint8Array(AsnConvert.serialize(cert.tbsCertificate));
  cert.signatureValue = signatureToDer(sign(tbs, signer)).slice().buffer;
  return new Uint8Array(AsnConvert.serialize(cert));
}

/** Generated with OpenSSL 3.0 (`openssl req -x509`, P-256, SET extensions from an ASN1: config): not our encoder. */
const OPENSSL_MERCHANT_PEM = `-----BEGIN CERTIFICATE-----
MIICMDCCAdWgAwIBAgICEjQwCgYIKoZIzj0EAwIwQjELMAkGA1UEBhMCVVMxGDAW
BgNVBAoMD09wZW5TU0wgRml4dHVyZTEZMBcGA1UEAwwQRml4dHVyZSBNZXJjaGFu
dDAeFw0yNjExMjQxNTAzMzZaFw0zNjExMjExNTAzMzZaMEIxCzAJBgNVBAYTAlVT
MRgwFgYDVQQKDA9PcGVuU1NMIEZpeHR1cmUxGTAXBgNVBAMMEEZpeHR1cmUgTWVy
Y2hhbnQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQFD0N8dhq9P589YJldbhdu
DGIwpu8r2UvfzsQzj4uLL4pa760yPmZp7A7yfyY6DDlSqqn21OB1goBAXhnKI56u
o4G6MIG3MAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMB0GA1UdDgQWBBQL
d2Cmfj15jWwzKq/TliuG2XIj+TAfBgNVHREEGDAWhhRodHRwczovL3Nob3AuZXhh
bXBsZTAPBgRnKgcBAQH/BAQDAgZAMEYGBGcqBwIEPjA8DAlERU1PLTAwMDEMDlNF
VCBEZW1vIFN0b3JlDAtTcHJpbmdmaWVsZIAISWxsaW5vaXMTAlVTEwQ1OTk5MAoG
CCqGSM49BAMCA0kAMEYCIQD+TqN4CAu3W1T79OCZ4XMheamXhOyWauBsRRfrgNq6
YAIhAMEqazK3VGu4sLHmYgk/F+5qrzhz41UFSquT9402PYnX
-----END CERTIFICATE-----
`;
/** `openssl x509 -fingerprint -sha256` of the certificate above. */
const OPENSSL_MERCHANT_FINGERPRINT =
  '7B:32:99:C0:40:26:1F:BC:F1:D0:FB:78:1D:87:A1:F7:B4:0A:AE:29:33:90:AC:2E:DF:E8:05:2D:8E:5A:99:12';
/** `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256` (a throwaway test key) and its public point. */
const OPENSSL_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtFAqYdA1qw7QvzYV
b3ATvhlbsLApaOs/8Y2lk2DRYFWhRANCAAQFD0N8dhq9P589YJldbhduDGIwpu8r
2UvfzsQzj4uLL4pa760yPmZp7A7yfyY6DDlSqqn21OB1goBAXhnKI56u
-----END PRIVATE KEY-----
`;
const OPENSSL_PUBLIC_KEY =
  '04050f437c761abd3f9f3d60995d6e176e0c6230a6ef2bd94bdfcec4338f8b8b2f8a5aefad323e6669ec0ef27f263a0c3952aaa9f6d4e0758280405e19ca239eae';

describe('SET extension encodings (X.690 by hand)', () => {
  it('certificateType is a minimal named-bit BIT STRING', () => {
    expect(hex(encodeCertificateType('cardholder'))).toBe('03020780'); // card(0): 7 unused bits
    expect(hex(encodeCertificateType('merchant'))).toBe('03020640'); // mer(1)
    expect(hex(encodeCertificateType('brand-ca'))).toBe('03020001'); // bca(7)
    expect(hex(encodeCertificateType('root'))).toBe('0303070080'); // rca(8): second octet
  });

  it('booleans, SEQUENCE OF OID, hashedRootKey', () => {
    expect(hex(encodeSetBoolean(true))).toBe('0101ff');
    expect(hex(encodeSetBoolean(false))).toBe('010100');
    expect(hex(encodeSetExtensions(['2.23.42.7.0']))).toBe('30060604672a0700');
    expect(hex(encodeHashedRootKey(new Uint8Array(32).fill(0xab)))).toBe(`0420${'ab'.repeat(32)}`);
  });

  it('merchantData with the optional [0] IMPLICIT stateProvince', () => {
    const der = encodeMerchantData({ ...MERCHANT_DATA, stateProvince: 'IL' });
    // SEQUENCE { UTF8 "DEMO-0001", UTF8 "SET Demo Store", UTF8 "Springfield", [0] "IL", PrintableString "US", "5999" }
    const expected =
      '3036' +
      '0c09' +
      hex(new TextEncoder().encode('DEMO-0001')) +
      '0c0e' +
      hex(new TextEncoder().encode('SET Demo Store')) +
      '0c0b' +
      hex(new TextEncoder().encode('Springfield')) +
      '8002' +
      hex(new TextEncoder().encode('IL')) +
      '1302' +
      hex(new TextEncoder().encode('US')) +
      '1304' +
      hex(new TextEncoder().encode('5999'));
    expect(hex(der)).toBe(expected);
    expect(decodeMerchantData(der)).toEqual({ ...MERCHANT_DATA, stateProvince: 'IL' });
  });
});

describe('issue and parse', () => {
  const all: [string, ParsedCertificate, Issuer | undefined][] = [
    ['root', tree.root.certificate, undefined],
    ['brand-ca', tree.brand.certificate, tree.root],
    ['cardholder-ca', tree.cca.certificate, tree.brand],
    ['merchant-ca', tree.mca.certificate, tree.brand],
    ['gateway-ca', tree.pca.certificate, tree.brand],
    ['cardholder', tree.cardholder.certificate, tree.cca],
    ['merchant signature', tree.merchantSig.certificate, tree.mca],
    ['merchant key-exchange', tree.merchantKx.certificate, tree.mca],
    ['gateway signature', tree.gatewaySig.certificate, tree.pca],
    ['gateway key-exchange', tree.gatewayKx.certificate, tree.pca],
  ];

  it.each(all)('%s round-trips through DER and PEM', (_, cert, issuer) => {
    expect(parseCertificate(cert.der)).toEqual(cert);
    const [pemDer] = pemToDers(certificateToPem(cert.der));
    expect(pemDer).toEqual(cert.der);
    expect(cert.thumbprint).toEqual(sha256(cert.der));
    expect(cert.subjectKeyId).toEqual(sha256(cert.publicKey).slice(0, 20));
    expect(cert.authorityKeyId).toEqual((issuer?.certificate ?? cert).subjectKeyId);
    expect(cert.issuerDn).toBe((issuer?.certificate ?? cert).subjectDn);
    expect(cert.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
  });

  it('CA certificates are CAs with keyCertSign, cRLSign and digitalSignature', () => {
    for (const ca of [tree.root, tree.brand, tree.cca, tree.mca, tree.pca]) {
      expect(ca.certificate.isCA).toBe(true);
      expect(ca.certificate.keyRole).toBe('signature');
      expect(ca.certificate.keyUsage).toEqual({
        digitalSignature: true,
        keyAgreement: false,
        keyCertSign: true,
        cRLSign: true,
      });
    }
    expect(tree.cca.certificate.pathLength).toBe(0);
    expect(tree.root.certificate.pathLength).toBeUndefined();
  });

  it('end entities carry their SET fields', () => {
    const ch = tree.cardholder.certificate;
    expect(ch.subject.commonName).toBe(hex(ch.uniqueCardholderId!));
    expect(ch.uniqueCardholderId).toHaveLength(32);
    const m = tree.merchantSig.certificate;
    expect(m.merchantData).toEqual(MERCHANT_DATA);
    expect(m.origins).toEqual(['https://shop.example']);
    expect(tree.merchantKx.certificate.keyUsage).toEqual({
      digitalSignature: false,
      keyAgreement: true,
      keyCertSign: false,
      cRLSign: false,
    });
    expect(tree.merchantKx.certificate.keyRole).toBe('key-exchange');
    expect(tree.gatewaySig.certificate.cardCertRequired).toBe(true);
    expect(tree.gatewayKx.certificate.cardCertRequired).toBe(false);
  });

  it('a root commits to the next root key with hashedRootKey', () => {
    const next = generateKeyPair();
    const root = createRoot({
      commonName: 'Rollover Root',
      ...validFor(3650),
      nextRootPublicKey: next.publicKey,
    });
    expect(root.certificate.hashedRootKey).toEqual(sha256(next.publicKey));
  });

  it('keeps a chosen serial number and a full DN', () => {
    const { publicKey } = generateKeyPair();
    const cert = issueCertificate({
      issuer: tree.mca,
      publicKey,
      subject: {
        commonName: 'Shop, "Main" + Co',
        organization: 'Shop Ltd',
        organizationalUnit: 'Web',
        country: 'DE',
      },
      certificateType: 'merchant',
      keyRole: 'key-exchange',
      ...validFor(30),
      serialNumber: fromHex('00ff01'),
    });
    expect(cert.serialNumber).toBe('ff01');
    expect(cert.subject).toEqual({
      commonName: 'Shop, "Main" + Co',
      organization: 'Shop Ltd',
      organizationalUnit: 'Web',
      country: 'DE',
    });
    expect(cert.subjectDn).toBe('CN=Shop\\, \\"Main\\" \\+ Co,OU=Web,O=Shop Ltd,C=DE');
  });

  it('refuses inconsistent requests', async () => {
    const { publicKey } = generateKeyPair();
    const base = { issuer: tree.mca, publicKey, subject: { commonName: 'x' }, ...validFor(30) };
    expect(
      await codeOf(() => issueCertificate({ ...base, certificateType: 'cardholder', keyRole: 'signature' })),
    ).toBe('invalidCertificate');
    expect(
      await codeOf(() =>
        issueCertificate({
          ...base,
          certificateType: 'merchant',
          keyRole: 'key-exchange',
          origins: ['https://a.example'],
        }),
      ),
    ).toBe('invalidCertificate');
    expect(
      await codeOf(() =>
        issueCertificate({
          ...base,
          certificateType: 'merchant',
          keyRole: 'signature',
          origins: ['https://a.example/'],
        }),
      ),
    ).toBe('invalidCertificate');
    expect(
      await codeOf(() =>
        issueCertificate({
          ...base,
          issuer: { ...tree.mca, privateKey: tree.pca.privateKey },
          certificateType: 'merchant',
          keyRole: 'signature',
        }),
      ),
    ).toBe('invalidCertificate');
    expect(
      await codeOf(() => issueCertificate({ ...base, certificateType: 'root', keyRole: 'signature' })),
    ).toBe('invalidCertificate');
  });

  it('reads a certificate made by OpenSSL', () => {
    const [der] = pemToDers(OPENSSL_MERCHANT_PEM);
    const cert = parseCertificate(der!);
    expect(hex(cert.thumbprint)).toBe(OPENSSL_MERCHANT_FINGERPRINT.replace(/:/g, '').toLowerCase());
    expect(cert.serialNumber).toBe('1234');
    expect(cert.subjectDn).toBe('CN=Fixture Merchant,O=OpenSSL Fixture,C=US');
    expect(cert.subject).toEqual({
      commonName: 'Fixture Merchant',
      organization: 'OpenSSL Fixture',
      country: 'US',
    });
    expect(hex(cert.publicKey)).toBe(OPENSSL_PUBLIC_KEY);
    expect(cert.certificateType).toBe('merchant');
    expect(cert.keyRole).toBe('signature');
    expect(cert.merchantData).toEqual({ ...MERCHANT_DATA, stateProvince: 'Illinois' });
    expect(cert.origins).toEqual(['https://shop.example']);
    expect(cert.notBefore.toISOString()).toBe('2026-11-24T15:03:36.000Z');
  });
});

describe('parse failures', () => {
  it('junk is a decodingFailure', async () => {
    expect(await codeOf(() => parseCertificate(new Uint8Array()))).toBe('decodingFailure');
    expect(await codeOf(() => parseCertificate(fromHex('3003020101')))).toBe('decodingFailure');
    expect(await codeOf(() => parseCertificate(new TextEncoder().encode('hello')))).toBe('decodingFailure');
    expect(await codeOf(() => parseCrl(tree.root.certificate.der))).toBe('decodingFailure');
  });

  it('non-DER (trailing bytes, indefinite length) is a decodingFailure', async () => {
    const der = tree.merchantSig.certificate.der;
    const trailing = new Uint8Array([...der, 0]);
    expect(await codeOf(() => parseCertificate(trailing))).toBe('decodingFailure');
    // Re-encode the outer SEQUENCE with BER indefinite length.
    const headerLength = 2 + (der[1]! & 0x7f);
    const indefinite = new Uint8Array([0x30, 0x80, ...der.subarray(headerLength), 0, 0]);
    expect(await codeOf(() => parseCertificate(indefinite))).toBe('decodingFailure');
  });

  it('an unknown critical extension is unrecognizedExtension; an unknown non-critical one is ignored', async () => {
    const add = (critical: boolean) =>
      resign(tree.merchantKx.certificate.der, tree.mca.privateKey, (c) => {
        c.tbsCertificate.extensions!.push(
          new Extension({
            extnID: '1.3.6.1.4.1.99999.1',
            critical,
            extnValue: new OctetString(fromHex('0500')),
          }),
        );
      });
    expect(await codeOf(() => parseCertificate(add(true)))).toBe('unrecognizedExtension');
    expect(parseCertificate(add(false)).certificateType).toBe('merchant');
  });

  it('a certificate without certificateType, or a CA without cA, is invalidCertificate', async () => {
    const noType = resign(tree.merchantKx.certificate.der, tree.mca.privateKey, (c) => {
      c.tbsCertificate.extensions = c.tbsCertificate.extensions!.filter(
        (e) => e.extnID !== '2.23.42.7.1',
      ) as typeof c.tbsCertificate.extensions;
    });
    expect(await codeOf(() => parseCertificate(noType))).toBe('invalidCertificate');
    const notCa = resign(tree.cca.certificate.der, tree.brand.privateKey, (c) => {
      c.tbsCertificate.extensions = c.tbsCertificate.extensions!.filter(
        (e) => e.extnID !== id_ce_basicConstraints,
      ) as typeof c.tbsCertificate.extensions;
    });
    expect(await codeOf(() => parseCertificate(notCa))).toBe('invalidCertificate');
  });

  it('a v1 certificate or a non-P-256 key is a decodingFailure', async () => {
    const v1 = resign(tree.merchantKx.certificate.der, tree.mca.privateKey, (c) => {
      c.tbsCertificate.version = 0;
    });
    expect(await codeOf(() => parseCertificate(v1))).toBe('decodingFailure');
    const otherCurve = resign(tree.merchantKx.certificate.der, tree.mca.privateKey, (c) => {
      // secp384r1 (1.3.132.0.34) in place of prime256v1.
      c.tbsCertificate.subjectPublicKeyInfo.algorithm.parameters = fromHex('06052b81040022').slice().buffer;
    });
    expect(await codeOf(() => parseCertificate(otherCurve))).toBe('decodingFailure');
  });
});

describe('PEM and keys', () => {
  it('pemToDers tolerates whitespace and surrounding text, and returns every block', () => {
    const a = certificateToPem(tree.root.certificate.der);
    const b = certificateToPem(tree.brand.certificate.der);
    const messy = `Bag Attributes\n${b.replace(/\n/g, '\r\n  ')}\n\n${a}`;
    expect(pemToDers(messy)).toEqual([tree.brand.certificate.der, tree.root.certificate.der]);
  });

  it('pemToDers rejects garbage with decodingFailure', async () => {
    expect(await codeOf(() => pemToDers('not a pem'))).toBe('decodingFailure');
    expect(
      await codeOf(() => pemToDers('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----')),
    ).toBe('decodingFailure');
    expect(await codeOf(() => pemToDers('-----BEGIN CERTIFICATE-----\nAAAA\n'))).toBe('decodingFailure');
    expect(await codeOf(() => pemToDers('-----BEGIN CERTIFICATE-----\nAAAA\n-----END X509 CRL-----'))).toBe(
      'decodingFailure',
    );
    expect(await codeOf(() => pemToDers(certificateToPem(tree.root.certificate.der), 'X509 CRL'))).toBe(
      'decodingFailure',
    );
  });

  it('PKCS#8 keys round-trip and OpenSSL keys are read', async () => {
    const { privateKey, publicKey } = generateKeyPair();
    const pem = privateKeyToPem(privateKey, publicKey);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(privateKeyFromPem(pem)).toEqual(privateKey);
    const fromOpenSsl = privateKeyFromPem(OPENSSL_KEY_PEM);
    expect(hex(publicKeyOf(fromOpenSsl))).toBe(OPENSSL_PUBLIC_KEY);
    expect(await codeOf(() => privateKeyFromPem(certificateToPem(tree.root.certificate.der)))).toBe(
      'decodingFailure',
    );
    expect(await codeOf(() => privateKeyToPem(privateKey, generateKeyPair().publicKey))).toBe(
      'decodingFailure',
    );
  });
});

describe('validatePath', () => {
  it('accepts every end entity and CA, and names the brand', async () => {
    for (const ee of [
      tree.cardholder,
      tree.merchantSig,
      tree.merchantKx,
      tree.gatewaySig,
      tree.gatewayKx,
      tree.cca,
    ]) {
      const result = await path(ee.certificate);
      expect(result.brandId).toBe('TestBrand');
      expect(result.root).toBe(tree.root.certificate);
      expect(result.chain[0]).toBe(ee.certificate);
    }
    expect((await path(tree.merchantSig.certificate)).chain.map((c) => c.certificateType)).toEqual([
      'merchant',
      'merchant-ca',
      'brand-ca',
      'root',
    ]);
  });

  it('accepts an optional geopolitical CA between the brand and the CCA', async () => {
    const geo = makeTree({ geo: true });
    const result = await validatePath({
      leaf: geo.cardholder.certificate,
      pool: geo.pool,
      trustedRoots: [geo.root.certificate],
      at: NOW,
      expect: { types: ['cardholder'], keyRole: 'signature' },
    });
    expect(result.chain.map((c) => c.certificateType)).toEqual([
      'cardholder',
      'cardholder-ca',
      'geo-ca',
      'brand-ca',
      'root',
    ]);
    expect(result.brandId).toBe('TestBrand');
  });

  it('rejects a root that is not trusted', async () => {
    const other = createRoot({ commonName: 'Test Root', ...validFor(3650) });
    const e = await errorOf(
      async () =>
        await path(tree.merchantSig.certificate, {
          pool: [...tree.pool, tree.root.certificate],
          trustedRoots: [other.certificate],
        }),
    );
    expect(e.code).toBe('invalidCertificate');
    expect(e.message).toMatch(/untrusted root/);
  });

  it('rejects expired and not-yet-valid certificates with expiredCertificate', async () => {
    const late = await errorOf(
      async () => await path(tree.merchantSig.certificate, { at: new Date(NOW.getTime() + 800 * DAY) }),
    );
    expect(late.code).toBe('expiredCertificate');
    expect(late.message).toMatch(/expired on/);
    const early = await errorOf(
      async () => await path(tree.merchantSig.certificate, { at: new Date(NOW.getTime() - 2 * DAY) }),
    );
    expect(early.code).toBe('expiredCertificate');
    expect(early.message).toMatch(/not valid until/);
  });

  it('rejects a certificate on a CRL from its issuer, and ignores CRLs the issuer did not sign', async () => {
    const revoked = [{ serialNumber: tree.merchantSig.certificate.serialNumber, revocationDate: NOW }];
    const crlOpts = { crlNumber: 7, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + 7 * DAY), revoked };
    const crl = issueCrl({ issuer: tree.mca, ...crlOpts });
    expect(parseCrl(pemToDers(crlToPem(crl.der), 'X509 CRL')[0]!)).toEqual(crl);
    expect(crl.crlNumber).toBe(7);
    expect(crl.revoked.get(tree.merchantSig.certificate.serialNumber)).toEqual(NOW);
    expect(crl.authorityKeyId).toEqual(tree.mca.certificate.subjectKeyId);
    expect(crl.issuerDn).toBe(tree.mca.certificate.subjectDn);
    expect(await codeOf(async () => await path(tree.merchantSig.certificate, { crls: [crl] }))).toBe(
      'revokedCertificate',
    );
    // The other merchant certificate is not listed.
    expect((await path(tree.merchantKx.certificate, { crls: [crl] })).chain).toHaveLength(4);
    // Same list, signed by another CA: ignored.
    const wrongIssuer = issueCrl({ issuer: tree.pca, ...crlOpts });
    expect((await path(tree.merchantSig.certificate, { crls: [wrongIssuer] })).chain).toHaveLength(4);
    // A revoked CA revokes everything under it.
    const brandCrl = issueCrl({
      issuer: tree.brand,
      ...crlOpts,
      revoked: [{ serialNumber: tree.mca.certificate.serialNumber, revocationDate: NOW }],
    });
    expect(await codeOf(async () => await path(tree.merchantKx.certificate, { crls: [brandCrl] }))).toBe(
      'revokedCertificate',
    );
  });

  it('rejects a cardholder certificate where a merchant certificate is required', async () => {
    const e = await errorOf(
      async () =>
        await path(tree.cardholder.certificate, { expect: { types: ['merchant'], keyRole: 'signature' } }),
    );
    expect(e.code).toBe('invalidCertificate');
    expect(e.message).toBe('a cardholder certificate was used where a merchant certificate is required');
  });

  it('rejects a key-exchange certificate where a signature certificate is required', async () => {
    const e = await errorOf(
      async () =>
        await path(tree.merchantKx.certificate, { expect: { types: ['merchant'], keyRole: 'signature' } }),
    );
    expect(e.code).toBe('invalidCertificate');
    expect(e.message).toMatch(/key-exchange certificate was used where a signature certificate is required/);
  });

  it('rejects a merchant certificate issued by a cardholder CA', async () => {
    const { publicKey } = generateKeyPair();
    const rogue = issueEndEntity(tree.cca, {
      certificateType: 'merchant',
      keyRole: 'signature',
      publicKey,
      subject: { commonName: 'Rogue Shop' },
      ...validFor(30),
    });
    const e = await errorOf(async () => await path(rogue));
    expect(e.code).toBe('invalidCertificate');
    expect(e.message).toMatch(/merchant certificate cannot be issued by a cardholder-ca/);
  });

  it('rejects a path longer than a pathLenConstraint allows', async () => {
    const t = makeTree({ geo: true, brandPathLength: 0 });
    const e = await errorOf(
      async () =>
        await validatePath({
          leaf: t.cardholder.certificate,
          pool: t.pool,
          trustedRoots: [t.root.certificate],
          at: NOW,
          expect: { types: ['cardholder'], keyRole: 'signature' },
        }),
    );
    expect(e.code).toBe('invalidCertificate');
    expect(e.message).toMatch(/allows 0 CAs below it/);
  });

  it('rejects a bad signature (one TBS byte flipped)', async () => {
    const der = tree.merchantSig.certificate.der.slice();
    const serial = fromHex(tree.merchantSig.certificate.serialNumber);
    const at = hex(der).indexOf(hex(serial)) / 2;
    expect(at).toBeGreaterThan(0);
    der[at + 5]! ^= 0x01;
    const tampered = parseCertificate(der);
    const e = await errorOf(async () => await path(tampered));
    expect(e.code).toBe('invalidCertificate');
    expect(e.message).toMatch(/signature/);
  });

  it('reports a missing issuer as missingCertificate', async () => {
    const pool = tree.pool.filter((c) => c !== tree.mca.certificate);
    expect(await codeOf(async () => await path(tree.merchantSig.certificate, { pool }))).toBe(
      'missingCertificate',
    );
  });
});

describe('parsers never throw anything but SetError', () => {
  const onlySetError = (fn: () => unknown): boolean => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof SetError)) throw e;
    }
    return true;
  };
  const crl = issueCrl({
    issuer: tree.cca,
    crlNumber: 1,
    thisUpdate: NOW,
    nextUpdate: new Date(NOW.getTime() + DAY),
    revoked: [{ serialNumber: tree.cardholder.certificate.serialNumber, revocationDate: NOW }],
  });
  const mutation = (base: Uint8Array) =>
    fc
      .record({
        edits: fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        cut: fc.option(fc.nat({ max: base.length }), { nil: undefined }),
      })
      .map(({ edits, cut }) => {
        const out = base.slice(0, cut ?? base.length);
        for (const [i, v] of edits) if (i < out.length) out[i] = v;
        return out;
      });

  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        (bytes) => onlySetError(() => parseCertificate(bytes)) && onlySetError(() => parseCrl(bytes)),
      ),
      { numRuns: 1000 },
    );
  });

  it('on mutations of a valid certificate', () => {
    fc.assert(
      fc.property(mutation(tree.merchantSig.certificate.der), (bytes) =>
        onlySetError(() => parseCertificate(bytes)),
      ),
      { numRuns: 1000 },
    );
  });

  it('on mutations of a valid CRL', () => {
    fc.assert(
      fc.property(mutation(crl.der), (bytes) => onlySetError(() => parseCrl(bytes))),
      { numRuns: 1000 },
    );
  });
});

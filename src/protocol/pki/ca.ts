/**
 * Certificate authority operations for the sandbox and tests: make roots and CAs with fresh keys,
 * issue end-entity certificates, and build the whole SET hierarchy (SET-PROFILE §1) in one call.
 */
import { generateKeyPair } from '../primitives/ecdsa.ts';
import { sha256 } from '../primitives/hash.ts';
import { issueCertificate } from './issue.ts';
import type {
  CertificateType,
  DistinguishedName,
  Issuer,
  KeyRole,
  MerchantData,
  ParsedCertificate,
} from './types.ts';

export interface RootOptions {
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** Committed to in hashedRootKey, so that the next root can be recognised at rollover. */
  nextRootPublicKey?: Uint8Array;
}

export interface CaOptions {
  certificateType: CertificateType;
  commonName: string;
  organization?: string;
  notBefore: Date;
  notAfter: Date;
  pathLength?: number;
}

export interface EndEntityOptions {
  certificateType: CertificateType;
  keyRole: KeyRole;
  publicKey: Uint8Array;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  merchantData?: MerchantData;
  origins?: string[];
  uniqueCardholderId?: Uint8Array;
  cardCertRequired?: boolean;
}

export interface SandboxEntry {
  name: string;
  certificate: ParsedCertificate;
  privateKey: Uint8Array;
  /** Entry names of the issuers, nearest first, up to but not including the root. */
  issuerNames: string[];
}

export interface SandboxHierarchy {
  entries: SandboxEntry[];
}

export interface SandboxOptions {
  /** The origin bound into the demo merchant's signature certificate (unused with caOnly). */
  merchantOrigin: string;
  now: Date;
  /** Becomes the brand CA's CN, which is what validatePath reports as brandId. Default 'SETPay'. */
  brandId?: string;
  /** Only the CAs: the running sandbox enrols its merchant and gateway over SET (Me-AqCInit, CertReq). */
  caOnly?: boolean;
}

export function createRoot(opts: RootOptions): Issuer {
  const { privateKey, publicKey } = generateKeyPair();
  const certificate = issueCertificate({
    selfPrivateKey: privateKey,
    publicKey,
    subject: { commonName: opts.commonName },
    certificateType: 'root',
    keyRole: 'signature',
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    hashedRootKey: opts.nextRootPublicKey ? sha256(opts.nextRootPublicKey) : undefined,
  });
  return { certificate, privateKey };
}

export function createCa(issuer: Issuer, opts: CaOptions): Issuer {
  const { privateKey, publicKey } = generateKeyPair();
  const subject: DistinguishedName = { commonName: opts.commonName };
  if (opts.organization !== undefined) subject.organization = opts.organization;
  const certificate = issueCertificate({
    issuer,
    publicKey,
    subject,
    certificateType: opts.certificateType,
    keyRole: 'signature',
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    pathLength: opts.pathLength,
  });
  return { certificate, privateKey };
}

export function issueEndEntity(issuer: Issuer, opts: EndEntityOptions): ParsedCertificate {
  return issueCertificate({ issuer, ...opts });
}

const HOUR_MS = 3_600_000;

function yearsAfter(date: Date, years: number): Date {
  const out = new Date(date);
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
}

/**
 * The sandbox's complete PKI: root, brand CA, CCA/MCA/PCA, and the gateway's and merchant's
 * signature and key-exchange certificates. Cardholder certificates come later, from the CCA.
 */
export function buildSandboxHierarchy(opts: SandboxOptions): SandboxHierarchy {
  const brandId = opts.brandId ?? 'SETPay';
  // An hour of slack for clocks that run behind the CA's.
  const notBefore = new Date(opts.now.getTime() - HOUR_MS);
  const caValidity = { notBefore, notAfter: yearsAfter(opts.now, 5) };
  const eeValidity = { notBefore, notAfter: yearsAfter(opts.now, 2) };
  const entries: SandboxEntry[] = [];
  const add = (name: string, issuerNames: string[], issuer: Issuer): Issuer => {
    entries.push({ name, certificate: issuer.certificate, privateKey: issuer.privateKey, issuerNames });
    return issuer;
  };
  const endEntity = (
    name: string,
    issuerNames: string[],
    issuer: Issuer,
    opts: Omit<EndEntityOptions, 'publicKey' | 'notBefore' | 'notAfter'>,
  ): void => {
    const { privateKey, publicKey } = generateKeyPair();
    add(name, issuerNames, {
      certificate: issueEndEntity(issuer, { ...opts, publicKey, ...eeValidity }),
      privateKey,
    });
  };

  const root = add(
    'root',
    [],
    createRoot({ commonName: 'SET/2 Sandbox Root CA', notBefore, notAfter: yearsAfter(opts.now, 10) }),
  );
  const brand = add(
    'brand-ca',
    [],
    createCa(root, {
      certificateType: 'brand-ca',
      commonName: brandId,
      organization: brandId,
      ...caValidity,
    }),
  );
  const ca = (name: string, certificateType: CertificateType, commonName: string): Issuer =>
    add(
      name,
      ['brand-ca'],
      createCa(brand, { certificateType, commonName, organization: brandId, pathLength: 0, ...caValidity }),
    );
  const cca = ca('cca', 'cardholder-ca', `${brandId} Cardholder CA`);
  const mca = ca('mca', 'merchant-ca', `${brandId} Merchant CA`);
  const pca = ca('pca', 'gateway-ca', `${brandId} Payment Gateway CA`);
  // Each CA's key-exchange certificate, issued by the brand CA: registration requests are sealed to it.
  for (const [name, issuing] of [
    ['cca-kx', cca],
    ['mca-kx', mca],
    ['pca-kx', pca],
  ] as const) {
    endEntity(name, ['brand-ca'], brand, {
      certificateType: issuing.certificate.certificateType,
      keyRole: 'key-exchange',
      subject: issuing.certificate.subject,
    });
  }
  if (opts.caOnly) return { entries };

  const gateway = { commonName: 'SET/2 Sandbox Payment Gateway', organization: 'SET/2 Sandbox Acquirer' };
  for (const [name, keyRole] of [
    ['gateway-sig', 'signature'],
    ['gateway-kx', 'key-exchange'],
  ] as const) {
    endEntity(name, ['pca', 'brand-ca'], pca, {
      certificateType: 'gateway',
      keyRole,
      subject: gateway,
      cardCertRequired: true,
    });
  }
  const merchant = { commonName: 'SET Demo Store', organization: 'SET Demo Store', country: 'US' };
  endEntity('merchant-sig', ['mca', 'brand-ca'], mca, {
    certificateType: 'merchant',
    keyRole: 'signature',
    subject: merchant,
    merchantData: {
      merchantId: 'DEMO-0001',
      name: 'SET Demo Store',
      city: 'Springfield',
      country: 'US',
      categoryCode: '5999',
    },
    origins: [opts.merchantOrigin],
  });
  endEntity('merchant-kx', ['mca', 'brand-ca'], mca, {
    certificateType: 'merchant',
    keyRole: 'key-exchange',
    subject: merchant,
  });
  return { entries };
}

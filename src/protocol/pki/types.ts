/**
 * The shapes of SET/2 certificates, CRLs and path validation (SET-PROFILE §1). Every other part
 * of the protocol core (messages, dual signature, CLI) programs against these types.
 */

/** SET certificateType (2.23.42.7.1): which entity or CA a certificate is for. */
export type CertificateType =
  | 'root'
  | 'brand-ca'
  | 'geo-ca'
  | 'cardholder-ca'
  | 'merchant-ca'
  | 'gateway-ca'
  | 'cardholder'
  | 'merchant'
  | 'gateway';

/** What the certified key is for: signing (digitalSignature, or keyCertSign/cRLSign for CAs) or HPKE key exchange (keyAgreement). */
export type KeyRole = 'signature' | 'key-exchange';

/** merchantData (2.23.42.7.2). */
export interface MerchantData {
  merchantId: string;
  name: string;
  city: string;
  stateProvince?: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** Merchant category code, four digits (ISO 18245). */
  categoryCode: string;
}

export interface DistinguishedName {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  country?: string;
}

export interface ParsedCertificate {
  der: Uint8Array;
  /** SHA-256 of `der` (SET-PROFILE §1 thumbprint; equals `openssl x509 -fingerprint -sha256`). */
  thumbprint: Uint8Array;
  /** Serial number, lowercase hex without leading zero bytes. */
  serialNumber: string;
  subject: DistinguishedName;
  /** RFC 4514 string forms, for display and issuer matching. */
  subjectDn: string;
  issuerDn: string;
  subjectKeyId: Uint8Array;
  authorityKeyId?: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** 65-byte uncompressed P-256 point. */
  publicKey: Uint8Array;
  certificateType: CertificateType;
  keyRole: KeyRole;
  isCA: boolean;
  pathLength?: number;
  keyUsage: { digitalSignature: boolean; keyAgreement: boolean; keyCertSign: boolean; cRLSign: boolean };
  merchantData?: MerchantData;
  /** Web origins bound to a merchant signature certificate (subjectAltName URIs), SET/2 origin binding. */
  origins: string[];
  /** For cardholder certificates: the unique cardholder ID (32 bytes) carried in the subject CN as hex. */
  uniqueCardholderId?: Uint8Array;
  /** hashedRootKey (2.23.42.7.0) in roots: SHA-256 of the next root's 65-byte public key. */
  hashedRootKey?: Uint8Array;
  /** cardCertRequired (2.23.42.7.3) in gateway certificates. */
  cardCertRequired?: boolean;
  /** DER of the TBSCertificate and the raw r‖s signature over it. */
  tbs: Uint8Array;
  signature: Uint8Array;
}

export interface ParsedCrl {
  der: Uint8Array;
  thumbprint: Uint8Array;
  issuerDn: string;
  authorityKeyId?: Uint8Array;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Revoked serial numbers (same hex form as ParsedCertificate.serialNumber) with their dates. */
  revoked: Map<string, Date>;
  tbs: Uint8Array;
  signature: Uint8Array;
}

/** A CA's certificate and its signing key. */
export interface Issuer {
  certificate: ParsedCertificate;
  privateKey: Uint8Array;
}

/** A certification path, leaf first: it has a leaf by its type, so `chain[0]` needs no assertion. */
export type CertificateChain = [ParsedCertificate, ...ParsedCertificate[]];

export interface ValidatedPath {
  /** Leaf first, trusted root last. */
  chain: CertificateChain;
  root: ParsedCertificate;
  /** The brand, taken from the CN of the brand CA in the chain. */
  brandId: string;
}

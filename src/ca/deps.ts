/**
 * What the issuer site is given by whoever starts it (the sandbox, or a test): the database, the
 * brand CA and the CCA/MCA/PCA keys and certificates, the test-card table, the admin token, the
 * registration forms and the enrolment policy. Nothing here is read from files or the
 * environment: the site takes everything as parameters.
 */
import type { ParsedCertificate, RegForm } from '../protocol/index.ts';
import type { Database } from '../storage/index.ts';
import type { EnrolmentPolicy } from './enrolment-policy.ts';
import type { LocalizedRegForms } from './reg-forms.ts';

/** A key and the certificate that certifies it, with its chain (leaf first; the root may be left out). */
export interface KeyHolder {
  privateKey: Uint8Array;
  certificate: ParsedCertificate;
  chain: ParsedCertificate[];
}

/** A CCA, MCA or PCA: it signs with its signature key; registration requests are sealed to its key-exchange key. */
export interface CaKeys {
  signature: KeyHolder;
  keyExchange: KeyHolder;
}

import type { TestCard } from '../protocol/pan.ts';

export { TEST_CARD_BEHAVIOURS, type TestCard, type TestCardBehaviour } from '../protocol/pan.ts';

/** The sandbox's test card whose registration stays pending until the wallet asks again (CertInqReq). */
export const DEFAULT_PENDING_CARDS = ['4000000000003063'];

export interface IssuerSiteDeps {
  db: Database;
  brandId: string;
  /** The brand CA: signs the BrandCRLIdentifier and the CRL of the CAs it certified. */
  brand: KeyHolder;
  /** From `setwallet pki init`: cca + cca-kx, mca + mca-kx, pca + pca-kx. */
  cca: CaKeys;
  mca: CaKeys;
  pca: CaKeys;
  trustedRoots: ParsedCertificate[];
  testCards: TestCard[];
  /** Per-instance secret for revocation (page and POST /admin/revoke); at least 16 characters. */
  adminToken: string;
  /** Shown on the pages and in the registration initiation, e.g. 'SETPay Sandbox Bank'. */
  issuerName: string;
  /**
   * The cardholder registration form (default: name on card, billing postcode, email optional,
   * in English, German, French and Spanish): one form, or one per language (reg-forms.ts).
   */
  regForm?: RegForm | LocalizedRegForms;
  /** The form for renewing a card's certificate (default: nothing to fill in), one or per language. */
  renewalRegForm?: RegForm | LocalizedRegForms;
  /**
   * Card numbers whose registration the issuer reviews: CertRes says `pending`, and the next
   * CertInqReq gets the certificate (default DEFAULT_PENDING_CARDS).
   */
  pendingCards?: string[];
  /** Validity of cardholder certificates in ms (default two years): short-lived test certificates. */
  cardholderValidityMs?: number;
  /** The forms Me-AqCInitRes carries for merchants and gateways. */
  merchantRegForm?: RegForm | LocalizedRegForms;
  gatewayRegForm?: RegForm | LocalizedRegForms;
  /** Who gets merchant and gateway certificates (default: sandboxEnrolments). */
  enrolments?: EnrolmentPolicy;
  /**
   * Certificates these CAs issued elsewhere (for example by `setwallet pki init`), to list on the
   * certificates page and make revocable. The CA certificates themselves are always included.
   */
  alsoIssued?: ParsedCertificate[];
  now?: () => Date;
  /** Where failures are reported (default console.error). Never given keys, PANs or secrets. */
  log?: (line: string) => void;
}

/**
 * src/ca: the sandbox's issuer site, with the brand's certificate authorities (SET Book 2
 * "Certificate Management", "Cardholder registration", "Merchant/Acquirer registration";
 * SET-PROFILE §1, §4, §5).
 *
 * - The CCA registers cards over SET (CardCInit → RegForm → CertReq/CertRes), binding the unique
 *   cardholder ID to PANSecret; the MCA and PCA enrol merchants and gateways (Me-AqCInit →
 *   CertReq/CertRes). The MCA assigns MerchantIDs and keeps one enrolment per ID and name
 *   (merchant-identity.ts). Every request is parsed by src/protocol, every failure is a signed SET Error
 *   with a 4xx status, and retried requests get their first answer.
 * - Pages: issuer home, the registration page declaring a registration initiation, the test
 *   cards, the issued certificates with revocation.
 * - Revocation: per-CA CRLs and the brand's signed BrandCRLIdentifier, published from the
 *   database; currentCrls() is what the sandbox hands the gateway.
 *
 * May import src/protocol and the leaves src/storage and src/web only (never src/gateway or
 * src/merchant); the sandbox wires it to the others. Storage: CA_MIGRATIONS (tables prefixed ca_).
 */
export {
  type CaKeys,
  type IssuerSiteDeps,
  type KeyHolder,
  TEST_CARD_BEHAVIOURS,
  type TestCard,
  type TestCardBehaviour,
} from './deps.ts';
export {
  type EnrolmentDecision,
  type EnrolmentPolicy,
  type GatewayCertReq,
  type MerchantCertReq,
  OPEN_ACQUIRER,
  sandboxEnrolments,
} from './enrolment-policy.ts';
export { CA_MIGRATIONS } from './migrations.ts';
export {
  DEFAULT_CARDHOLDER_FORM,
  DEFAULT_GATEWAY_FORM,
  DEFAULT_MERCHANT_FORM,
  type LocalizedRegForms,
  regFormIn,
} from './reg-forms.ts';
export { CRL_REFRESH_MS, CRL_VALIDITY_MS, type RevocationResult } from './revocation.ts';
export { ADMIN_COOKIE, CCA_ENDPOINT, createIssuerSite, type IssuerSite } from './site.ts';
export type { IssuingCa } from './store/certificates.ts';
export { MERCHANT_ID_PATTERN } from './store/merchant-enrolments.ts';
export { PENDING_TTL_MS } from './store/pending.ts';

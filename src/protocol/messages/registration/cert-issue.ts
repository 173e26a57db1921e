/**
 * The CA side of CertReq (SET-PROFILE §4.1): issuing what an opened request asks for. Apart from
 * cert-req.ts, which the wallet loads to build its request and read the answer, because issuing
 * pulls in the CA's certificate encoder (pki/issue.ts), which the wallet must not carry (issue
 * 11). Not re-exported by ./index.ts: src/protocol/index.ts exports it for the CAs.
 */
import { fromB64u, hex } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import { issueEndEntity } from '../../pki/ca.ts';
import type { DistinguishedName, Issuer, MerchantData, ParsedCertificate } from '../../pki/types.ts';
import {
  type CertReqData,
  cardholderIdentity,
  caTypeFor,
  type IssuedCertificates,
  validityFrom,
} from './cert-req.ts';

/** A cardholder signature certificate: its CN is always the unique ID, never the card number. */
export function issueCardholderCertificate(p: {
  issuer: Issuer;
  publicKey: Uint8Array;
  uniqueId: Uint8Array;
  subject?: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
}): ParsedCertificate {
  return issueEndEntity(p.issuer, {
    certificateType: 'cardholder',
    keyRole: 'signature',
    publicKey: p.publicKey,
    subject: { ...p.subject, commonName: hex(p.uniqueId) },
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    uniqueCardholderId: p.uniqueId,
  });
}

/**
 * CA side: issues what an opened CertReq asks for, valid for two years (never beyond the CA's own
 * certificate). For a cardholder: NonceCCA is fresh, PANSecret = CardSecret XOR NonceCCA, and the
 * certificate names the unique cardholder ID HMAC(PANSecret, PAN, expiry), never the PAN.
 * `subject` defaults to the merchant name, or for a gateway to its LID-EE; a cardholder's CN is
 * always the unique ID.
 */
export function issueFromCertReq(p: {
  req: CertReqData;
  issuer: Issuer;
  subject?: DistinguishedName;
  /** A merchant: the MerchantID the MCA assigned (default: the one requested, for tests). */
  merchantId?: string;
  /** How long the certificate is valid (default two years); never beyond the CA's own certificate. */
  validityMs?: number;
  /**
   * A gateway: whether its certificates say cardCertRequired (default true). False only where the
   * brand's PCA lets this acquirer take purchases without a cardholder certificate (SET's
   * unsigned purchase).
   */
  cardCertRequired?: boolean;
  now?: Date;
}): IssuedCertificates {
  const req = p.req;
  if (p.issuer.certificate.certificateType !== caTypeFor(req.requestType)) {
    fail(
      'invalidCertificate',
      `a ${p.issuer.certificate.certificateType} cannot certify a ${req.requestType}`,
    );
  }
  const validity = validityFrom(p.now ?? new Date(), p.issuer.certificate, p.validityMs);
  const publicKey = fromB64u(req.publicKey, 'publicKey');
  switch (req.requestType) {
    case 'cardholder': {
      const { nonceCca, uniqueId } = cardholderIdentity(req);
      const certificate = issueCardholderCertificate({
        issuer: p.issuer,
        publicKey,
        uniqueId,
        ...(p.subject ? { subject: p.subject } : {}),
        ...validity,
      });
      return { status: 'issued', certificate, nonceCca };
    }
    case 'merchant': {
      const merchantId = p.merchantId ?? req.merchantData.merchantId;
      if (merchantId === undefined)
        fail('unspecifiedFailure', 'the Merchant CA has not assigned a MerchantID');
      const merchantData: MerchantData = { ...req.merchantData, merchantId };
      const subject = p.subject ?? { commonName: merchantData.name, country: merchantData.country };
      const common = { certificateType: 'merchant' as const, subject, merchantData, ...validity };
      const certificate = issueEndEntity(p.issuer, {
        ...common,
        keyRole: 'signature',
        publicKey,
        origins: req.origins,
      });
      const kxCertificate = issueEndEntity(p.issuer, {
        ...common,
        keyRole: 'key-exchange',
        publicKey: fromB64u(req.kxPublicKey, 'kxPublicKey'),
      });
      return { status: 'issued', certificate, kxCertificate };
    }
    case 'gateway': {
      const subject = p.subject ?? { commonName: `Payment gateway ${req.lidEE}` };
      const common = {
        certificateType: 'gateway' as const,
        subject,
        cardCertRequired: p.cardCertRequired ?? true,
        ...validity,
      };
      const certificate = issueEndEntity(p.issuer, { ...common, keyRole: 'signature', publicKey });
      const kxCertificate = issueEndEntity(p.issuer, {
        ...common,
        keyRole: 'key-exchange',
        publicKey: fromB64u(req.kxPublicKey, 'kxPublicKey'),
      });
      return { status: 'issued', certificate, kxCertificate };
    }
  }
}

/**
 * Enrolment with a Merchant CA over SET and HTTP (SET Book 2 "Merchant/Acquirer registration";
 * SET-PROFILE §4, §6 "Merchant identity"): Me-AqCInitReq → Me-AqCInitRes, then CertReq → CertRes,
 * giving a signature certificate bound to the shop's web origins and a key-exchange certificate.
 * The MCA assigns the MerchantID; renewing with the current certificate (and its key) keeps it.
 *
 *   const enrolled = await enrolMerchant({
 *     mca: 'http://127.0.0.1:8700/set/mca', root, brandId: 'SETPay',
 *     merchant: { name: 'My Shop', city: 'Leeds', country: 'GB', categoryCode: '5999' },
 *     origins: ['https://shop.example'],
 *   });
 *   enrolled.merchantId; // e.g. 'M048213377195520'
 *
 * enrolAtCa is the same exchange for a payment gateway at its PCA (the sandbox uses it).
 */
import {
  type EnrolmentRequest,
  enrolOverSet,
  type MerchantRequestData,
  type ParsedCertificate,
} from '../protocol/index.ts';
import type { CertifiedKey, MerchantKeys } from './keys.ts';
import { postSet } from './post-set.ts';

/** The CA answered with a rejected CertRes: a business refusal, with the CA's reason. */
export class EnrolmentRefused extends Error {
  override name = 'EnrolmentRefused';
}

export interface Enrolled extends MerchantKeys {
  /** The certificates' chains run up to, not including, the root. */
  signature: CertifiedKey;
  keyExchange: CertifiedKey;
}

export interface MerchantEnrolled extends Enrolled {
  /** The MerchantID the MCA assigned (or kept, on a renewal). */
  merchantId: string;
}

/** What to ask the CA for (src/protocol's enrolment request). */
export type EnrolRequest = EnrolmentRequest;

export interface EnrolMerchantOptions {
  /** The MCA's SET endpoint, e.g. http://127.0.0.1:8700/set/mca. */
  mca: string;
  /** The brand's trusted root: the MCA's chain and the new certificates must lead to it. */
  root: ParsedCertificate;
  brandId: string;
  /** The shop as certified: name, city, country, category code. The MCA assigns the MerchantID. */
  merchant: MerchantRequestData;
  /** The shop's web origins (https, or http on 127.0.0.1 / localhost in the sandbox). */
  origins: string[];
  /** Answers to the MCA's registration form, by field name. */
  answers?: Record<string, string>;
  /** Renew this current signature certificate (with its key) instead of enrolling anew. */
  renewing?: CertifiedKey;
}

/** Enrols (or renews) a merchant; throws EnrolmentRefused with the MCA's reason when it refuses. */
export async function enrolMerchant(opts: EnrolMerchantOptions): Promise<MerchantEnrolled> {
  const enrolled = await enrolAtCa(
    opts.mca,
    {
      requestType: 'merchant',
      merchantData: opts.merchant,
      origins: opts.origins,
      ...(opts.answers ? { answers: opts.answers } : {}),
      ...(opts.renewing ? { renewing: opts.renewing } : {}),
    },
    opts.root,
    opts.brandId,
  );
  return { ...enrolled, merchantId: enrolled.signature.certificate.merchantData!.merchantId };
}

/** Enrols at `endpoint` (an MCA's or PCA's SET endpoint) and returns the two certified keys. */
export async function enrolAtCa(
  endpoint: string,
  request: EnrolRequest,
  root: ParsedCertificate,
  brandId: string,
): Promise<Enrolled> {
  const outcome = await enrolOverSet({
    send: (wire) => postSet(endpoint, wire, [root]),
    request,
    roots: [root],
    brandId,
  });
  if (!outcome.issued) {
    throw new EnrolmentRefused(
      `the ${request.requestType === 'merchant' ? 'MCA' : 'PCA'} refused: ${outcome.reason}`,
    );
  }
  return { signature: outcome.signature, keyExchange: outcome.keyExchange };
}

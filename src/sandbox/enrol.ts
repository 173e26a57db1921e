/**
 * Enrolment of the sandbox's own merchant and gateway with the MCA and PCA, over SET and over
 * HTTP, exactly as an outside merchant or acquirer would do it (SET Book 2 "Merchant/Acquirer
 * registration"): Me-AqCInitReq → Me-AqCInitRes, then CertReq → CertRes, giving a signature
 * certificate and a key-exchange certificate. The MCA assigns the MerchantID; a merchant that
 * `renews` with its current signature certificate (and key) keeps it.
 */
import {
  buildCertReq,
  buildMeAqCInitReq,
  encodeWire,
  generateKeyPair,
  type MerchantRequestData,
  type ParsedCertificate,
  TrustStore,
  verifyCertRes,
  verifyMeAqCInitRes,
} from '../protocol/index.ts';
import type { KeyedCertificate } from './pki-files.ts';
import { postSet } from './post-set.ts';

/** The CA answered with a rejected CertRes: a business refusal, with the CA's reason. */
export class EnrolmentRefused extends Error {
  override name = 'EnrolmentRefused';
}

export interface Enrolled {
  signature: KeyedCertificate;
  keyExchange: KeyedCertificate;
}

export type EnrolRequest =
  | {
      requestType: 'merchant';
      merchantData: MerchantRequestData;
      origins: string[];
      answers: Record<string, string>;
      /** The current signature certificate and key: renew it, keeping its MerchantID. */
      renewing?: KeyedCertificate;
    }
  | { requestType: 'gateway'; answers: Record<string, string> };

/** Enrols at `endpoint` (the MCA's or PCA's SET endpoint) and returns the two keyed certificates. */
export async function enrol(
  endpoint: string,
  request: EnrolRequest,
  root: ParsedCertificate,
  brandId: string,
): Promise<Enrolled> {
  const ctx = { trust: new TrustStore([root]), clock: { now: new Date() } };
  const init = buildMeAqCInitReq({ requestType: request.requestType, brandId, thumbs: ctx.trust.thumbs() });
  const initRes = verifyMeAqCInitRes(
    await postSet(endpoint, encodeWire(init.wire), [root]),
    init.content,
    ctx,
  );

  const signature = generateKeyPair();
  const keyExchange = generateKeyPair();
  const certReq = buildCertReq({
    answering: initRes.content,
    caKeyExchange: initRes.caKeyExchange.chain[0]!,
    privateKey: signature.privateKey,
    request:
      request.requestType === 'merchant'
        ? {
            requestType: 'merchant',
            kxPublicKey: keyExchange.publicKey,
            merchantData: request.merchantData,
            origins: request.origins,
            ...(request.renewing
              ? {
                  renewal: {
                    certificate: request.renewing.certificate,
                    privateKey: request.renewing.privateKey,
                  },
                }
              : {}),
          }
        : { requestType: 'gateway', kxPublicKey: keyExchange.publicKey },
    answers: request.answers,
  });
  ctx.clock.now = new Date();
  const certRes = verifyCertRes(
    await postSet(endpoint, encodeWire(certReq.wire), [root]),
    certReq.content,
    ctx,
  );
  const ca = request.requestType === 'merchant' ? 'MCA' : 'PCA';
  if (certRes.status === 'rejected') {
    throw new EnrolmentRefused(`the ${ca} refused: ${certRes.reason ?? 'no reason given'}`);
  }
  if (!certRes.kxCertificate || !certRes.kxPath) {
    throw new Error(`the ${ca} issued no key-exchange certificate`);
  }
  const withoutRoot = (chain: ParsedCertificate[]) => chain.filter((c) => c.certificateType !== 'root');
  return {
    signature: {
      certificate: certRes.certificate,
      privateKey: signature.privateKey,
      chain: withoutRoot(certRes.path.chain),
    },
    keyExchange: {
      certificate: certRes.kxCertificate,
      privateKey: keyExchange.privateKey,
      chain: withoutRoot(certRes.kxPath.chain),
    },
  };
}

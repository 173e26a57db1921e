/**
 * A merchant's or payment gateway's enrolment at its CA, as the requester runs it (SET Book 2
 * "Merchant/Acquirer registration"; SET-PROFILE §4, §6 "Merchant identity"): Me-AqCInitReq →
 * Me-AqCInitRes, then CertReq → CertRes, giving a signature and a key-exchange certificate. The
 * transport is the caller's (HTTP for the SDK, the MCA's own handler in process for the issuer
 * site's Merchants page): `send` posts one message and returns the CA's answer, or throws.
 */
import type { ParsedCertificate } from '../../pki/types.ts';
import { generateKeyPair } from '../../primitives/ecdsa.ts';
import { TrustStore } from '../trust.ts';
import { encodeWire } from '../wire.ts';
import { buildCertReq, type MerchantRequestData, verifyCertRes } from './cert-req.ts';
import { buildMeAqCInitReq, verifyMeAqCInitRes } from './me-aq-c-init.ts';

/** A certified key: the chain runs from the certificate up to, not including, the root. */
export interface EnrolledKey {
  privateKey: Uint8Array;
  certificate: ParsedCertificate;
  chain: ParsedCertificate[];
}

export type EnrolmentRequest =
  | {
      requestType: 'merchant';
      merchantData: MerchantRequestData;
      origins: string[];
      answers?: Record<string, string>;
      /** The current signature certificate and key: renew it, keeping its MerchantID. */
      renewing?: { certificate: ParsedCertificate; privateKey: Uint8Array };
    }
  | { requestType: 'gateway'; answers?: Record<string, string> };

export type EnrolmentOutcome =
  | { issued: true; signature: EnrolledKey; keyExchange: EnrolledKey; root: ParsedCertificate }
  /** The CA answered with a rejected CertRes: its reason. */
  | { issued: false; reason: string };

export async function enrolOverSet(p: {
  send: (wire: string) => Promise<string | Uint8Array>;
  request: EnrolmentRequest;
  /** The brand's trusted roots: the CA's chain and the new certificates must lead to one. */
  roots: ParsedCertificate[];
  brandId: string;
  now?: () => Date;
}): Promise<EnrolmentOutcome> {
  const now = p.now ?? (() => new Date());
  const { request } = p;
  const ctx = { trust: new TrustStore(p.roots), clock: { now: now() } };
  const init = buildMeAqCInitReq({
    requestType: request.requestType,
    brandId: p.brandId,
    thumbs: ctx.trust.thumbs(),
  });
  const initRes = await verifyMeAqCInitRes(await p.send(encodeWire(init.wire)), init.content, ctx);

  const signature = generateKeyPair();
  const keyExchange = generateKeyPair();
  const certReq = await buildCertReq({
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
            ...(request.renewing ? { renewal: request.renewing } : {}),
          }
        : { requestType: 'gateway', kxPublicKey: keyExchange.publicKey },
    answers: request.answers ?? {},
    now: now(),
  });
  ctx.clock.now = now();
  const certRes = await verifyCertRes(await p.send(encodeWire(certReq.wire)), certReq.content, ctx);
  const ca = request.requestType === 'merchant' ? 'MCA' : 'PCA';
  if (certRes.status === 'rejected') return { issued: false, reason: certRes.reason ?? 'no reason given' };
  // An MCA or PCA of this project decides at once; one that pends is asked again later.
  if (certRes.status === 'pending')
    return { issued: false, reason: `the ${ca} has not decided yet: ${certRes.reason ?? 'ask again later'}` };
  if (!certRes.kxCertificate || !certRes.kxPath)
    throw new Error(`the ${ca} issued no key-exchange certificate`);
  const root = certRes.path.chain.find((c) => c.certificateType === 'root');
  if (!root) throw new Error(`the ${ca}'s certificate chain has no root`);
  const withoutRoot = (chain: ParsedCertificate[]) => chain.filter((c) => c.certificateType !== 'root');
  return {
    issued: true,
    root,
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

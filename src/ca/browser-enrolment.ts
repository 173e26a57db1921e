/**
 * Enrolment from the issuer site's Merchants page (sandbox convenience: the keys are made on the
 * server). A person in a browser cannot run the SET exchange, so the site runs it for them, as
 * the merchant's side, against its own MCA endpoint in process: Me-AqCInitReq → Me-AqCInitRes,
 * then CertReq → CertRes, through the very handler a merchant's HTTP request reaches. So the
 * enrolment policy, the MerchantID assignment, the name rules and the tables are those of
 * every other enrolment; only the key pairs are generated here, and handed over once, in the
 * bundle, never stored.
 */
import {
  buildCertReq,
  buildMeAqCInitReq,
  decodeWire,
  encodeWire,
  generateKeyPair,
  type MerchantRequestData,
  type ParsedCertificate,
  readError,
  TrustStore,
  verifyCertRes,
  verifyMeAqCInitRes,
} from '../protocol/index.ts';

export interface EnrolledKey {
  privateKey: Uint8Array;
  certificate: ParsedCertificate;
  chain: ParsedCertificate[];
}

export type BrowserEnrolment =
  | {
      enrolled: true;
      merchantId: string;
      signature: EnrolledKey;
      keyExchange: EnrolledKey;
      root: ParsedCertificate;
    }
  /** The MCA refused (a rejected CertRes) or answered an Error: its sentence. */
  | { enrolled: false; reason: string };

export async function enrolInProcess(p: {
  /** The MCA's SET endpoint handler. */
  mca: (req: Request) => Promise<Response>;
  roots: ParsedCertificate[];
  brandId: string;
  merchant: MerchantRequestData;
  origins: string[];
  now: () => Date;
}): Promise<BrowserEnrolment> {
  const ctx = { trust: new TrustStore(p.roots), clock: { now: p.now() } };
  const send = async (wire: string): Promise<{ text: string } | { error: string }> => {
    const res = await p.mca(new Request('http://issuer.invalid/set/mca', { method: 'POST', body: wire }));
    const text = await res.text();
    if (decodeWire(text).type === 'Error') {
      return {
        error: (await readError(text, { trust: ctx.trust, clock: { now: p.now() } })).content.errorMsg,
      };
    }
    return { text };
  };
  const init = buildMeAqCInitReq({ requestType: 'merchant', brandId: p.brandId, thumbs: ctx.trust.thumbs() });
  const initReply = await send(encodeWire(init.wire));
  if ('error' in initReply) return { enrolled: false, reason: initReply.error };
  const initRes = await verifyMeAqCInitRes(initReply.text, init.content, ctx);

  const signature = generateKeyPair();
  const keyExchange = generateKeyPair();
  const certReq = await buildCertReq({
    answering: initRes.content,
    caKeyExchange: initRes.caKeyExchange.chain[0]!,
    privateKey: signature.privateKey,
    request: {
      requestType: 'merchant',
      kxPublicKey: keyExchange.publicKey,
      merchantData: p.merchant,
      origins: p.origins,
    },
    answers: {},
    now: p.now(),
  });
  ctx.clock.now = p.now();
  const reply = await send(encodeWire(certReq.wire));
  if ('error' in reply) return { enrolled: false, reason: reply.error };
  const certRes = await verifyCertRes(reply.text, certReq.content, ctx);
  if (certRes.status === 'rejected') return { enrolled: false, reason: certRes.reason ?? 'no reason given' };
  if (!certRes.kxCertificate || !certRes.kxPath)
    throw new Error('the MCA issued no key-exchange certificate');
  const root = certRes.path.chain.find((c) => c.certificateType === 'root');
  if (!root) throw new Error('the merchant certificate chain has no root');
  const merchantId = certRes.certificate.merchantData?.merchantId;
  if (!merchantId) throw new Error('the MCA issued a certificate without a MerchantID');
  const withoutRoot = (chain: ParsedCertificate[]) => chain.filter((c) => c.certificateType !== 'root');
  return {
    enrolled: true,
    merchantId,
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

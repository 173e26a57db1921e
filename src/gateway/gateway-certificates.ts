/**
 * PCertReq → PCertRes (SET Book 2 "Payment Gateway Certificate Request"; SET-PROFILE §6): a
 * merchant asks for the gateway's current certificates. The request must be signed by a merchant
 * signature certificate valid under the gateway's roots and CRLs, for the gateway's brand; the
 * answer is signed with the gateway's signature key and names both certificates. Nothing is
 * written: asking twice is harmless.
 */
import { buildPCertRes, encodeWire, verifyPCertReq, type WireInput } from '../protocol/index.ts';
import { type PaymentContext, requireOwnBrand } from './payment-context.ts';

export async function answerPCertReq(p: PaymentContext, message: WireInput): Promise<string> {
  const ctx = await p.verifyContext();
  const { content, merchant } = await verifyPCertReq(message, ctx);
  await requireOwnBrand(p, ctx, content.brandId);
  const keyExchange = p.keyExchange.chain?.length ? p.keyExchange.chain : [p.keyExchange.certificate];
  const { wire } = await buildPCertRes({ req: content, signature: p.signature, keyExchange, now: p.now() });
  p.log({
    level: 'info',
    event: 'certificates-sent',
    merchant: merchant.chain[0]!.merchantData?.merchantId,
  });
  return encodeWire(wire);
}

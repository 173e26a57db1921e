/**
 * NotifyRegReq → NotifyRegRes (SET-PROFILE §6 Notifications): a merchant registers the URL the
 * gateway POSTs its Notifications to. The request must be signed by a merchant signature
 * certificate valid under the gateway's roots and CRLs, of the gateway's brand; the URL is
 * recorded for that merchant's identity (MerchantID and issuing MCA key, as follow-ups are bound
 * to), so only the merchant that made a sale hears of it. Registering again replaces the URL.
 */
import { buildNotifyRegRes, encodeWire, verifyNotifyRegReq, type WireInput } from '../protocol/index.ts';
import { merchantIdentityOf } from './merchant-key-exchange.ts';
import { type PaymentContext, requireOwnBrand } from './payment-context.ts';

export async function answerNotifyRegReq(p: PaymentContext, message: WireInput): Promise<string> {
  const ctx = await p.verifyContext();
  const { content, merchant } = await verifyNotifyRegReq(message, ctx);
  await requireOwnBrand(p, ctx, content.brandId);
  const identity = merchantIdentityOf(merchant);
  const at = p.now();
  await p.notifications.register({
    merchantId: identity.merchantId,
    merchantIssuer: identity.issuer,
    brandId: content.brandId,
    url: content.url,
    registeredAt: at,
  });
  p.log({ level: 'info', event: 'notification-url-registered', merchant: identity.merchantId });
  const { wire } = await buildNotifyRegRes({
    req: content,
    merchantId: identity.merchantId,
    signature: p.signature,
    now: p.now(),
  });
  return encodeWire(wire);
}

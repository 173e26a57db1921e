/**
 * InqReq → InqRes (SET Book 2 "Order inquiry"; SET-PROFILE §4 Purchase 10): the status of an XID,
 * answered from what the merchant recorded, in PRes's form. A purchase paid with a cardholder
 * certificate is reported only to a request signed by that same certificate, or by a renewal of it
 * (the same card's unique ID from the same CCA) that carries it as `paidWith`.
 */
import { b64u, buildInqRes, fail, verifyInqReq } from '../protocol/index.ts';
import type { EndpointContext } from './endpoint-context.ts';
import { currentOutcome } from './purchase-state.ts';

export async function handleInqReq(bytes: Uint8Array, ctx: EndpointContext): Promise<string> {
  const { content, cardholder, paidWith } = await verifyInqReq(bytes, await ctx.verifyContext());
  const tx = await ctx.orders.find(content.transIds.xid);
  if (!tx) fail('unknownXID', 'InqReq names an XID this merchant never issued');
  const t = content.transIds;
  const e = tx.order.transIds;
  if (t.lidC !== e.lidC || t.lidM !== e.lidM || t.pReqDate !== e.pReqDate || t.language !== e.language) {
    fail('badMessageHeader', 'InqReq TransIDs differ from those of this XID');
  }
  const payer = tx.record?.cardholder;
  if (payer) {
    if (!cardholder)
      fail('signatureRequired', 'this purchase was signed: sign the inquiry with the same card');
    // The card that paid, or the same card renewed since (same unique ID and CCA, checked by
    // verifyInqReq), naming the certificate that paid.
    const asks = paidWith ?? cardholder.chain[0]!;
    if (b64u(asks.thumbprint) !== payer) {
      fail('invalidCertificate', 'the inquiry is signed by another cardholder than the one who paid');
    }
  }
  const { wire } = await buildInqRes({
    req: content,
    outcome: currentOutcome(tx),
    merchant: ctx.merchant.signature,
    now: ctx.now(),
  });
  return JSON.stringify(wire);
}

/**
 * PInitReq → PInitRes (SET Book 2 "Purchase initialization"; SET-PROFILE §4 Purchase 1–2). The
 * order and amount come from the site's own records for the LID-M, never from the request; the
 * new XID's challenges and HOD are kept so the PReq can be checked against them.
 */
import * as v from 'valibot';
import {
  Amount,
  b64u,
  buildPInitRes,
  fail,
  fromB64u,
  hod,
  InstallRecurData,
  MAX_OD_LENGTH,
  parsePInitReq,
  revocationThumbs,
} from '../protocol/index.ts';
import type { EndpointContext } from './endpoint-context.ts';

export async function handlePInitReq(bytes: Uint8Array, ctx: EndpointContext): Promise<string> {
  const req = parsePInitReq(bytes, ctx.clock);
  if (req.brandId !== ctx.brandId) {
    fail('unspecifiedFailure', `this merchant accepts ${ctx.brandId} only, not ${req.brandId}`);
  }
  const order = await ctx.orders.describe(req.lidM);
  if (!order) fail('unknownXID', `there is no order ${req.lidM} open for payment`);
  // The site's data, not the wallet's: a bad description is the site's bug (logged, unspecifiedFailure).
  if (order.od.length < 1 || order.od.length > MAX_OD_LENGTH) {
    throw new Error(`the order description for ${req.lidM} must be 1–${MAX_OD_LENGTH} characters`);
  }
  if (!v.is(Amount, order.amount)) throw new Error(`the amount of order ${req.lidM} is not a SET amount`);
  if (order.installRecurData && !v.is(InstallRecurData, order.installRecurData)) {
    throw new Error(`the payment plan of order ${req.lidM} is not a SET InstallRecurData`);
  }
  const first = order.authorizeFirst;
  if (
    first &&
    (!v.is(Amount, first) ||
      first.currency !== order.amount.currency ||
      first.exponent !== order.amount.exponent ||
      first.value < 1 ||
      first.value > order.amount.value)
  ) {
    throw new Error(`the first part of order ${req.lidM} must be a positive part of its amount`);
  }
  const revocation = await ctx.revocation();
  const { wire, content } = await buildPInitRes({
    req,
    merchant: ctx.merchant.signature,
    gatewayKeyExchange: ctx.gatewayKeyExchange,
    od: order.od,
    purchAmt: order.amount,
    ...(order.installRecurData ? { installRecurData: order.installRecurData } : {}),
    ...(revocation ? { revocation } : {}),
    now: ctx.now(),
  });
  const attached = revocation && wire.bci !== undefined ? revocationThumbs(revocation) : [];
  await ctx.orders.savePending({
    xid: content.transIds.xid,
    lidM: req.lidM,
    order: {
      transIds: content.transIds,
      challC: content.challC,
      challM: content.challM,
      hod: b64u(hod(content.od, content.purchAmt, fromB64u(content.odSalt), content.installRecurData)),
      brandId: content.brandId,
    },
    purchAmt: content.purchAmt,
    ...(content.installRecurData ? { installRecurData: content.installRecurData } : {}),
    ...(first && first.value < order.amount.value ? { authorizeFirst: first } : {}),
    walletHolds: [...req.thumbs, ...attached],
    createdAt: ctx.clock.now.toISOString(),
  });
  return JSON.stringify(wire);
}

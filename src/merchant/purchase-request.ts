/**
 * PReq → (AuthReq → AuthRes) → PRes (SET Book 2 "Purchase request", "Purchase response";
 * SET-PROFILE §4 Purchase 8–9). verifyPReq checks the cardholder chain, the dual signature,
 * Chall-M, Chall-C, the XID and HOD against the pending order. The merchant then claims the order
 * for this XID, asks the gateway and returns the signed PRes, which it keeps: an identical PReq
 * retried later gets the same PRes and never causes a second AuthReq.
 */
import {
  b64u,
  buildPRes,
  concatBytes,
  decodeWireOf,
  fail,
  fromB64u,
  PReqBody,
  type PurchaseOutcome,
  parseWith,
  randomNonce,
  sha256,
  verifyPReq,
} from '../protocol/index.ts';
import { authorizeClaim } from './authorization-outcome.ts';
import { encodeAuthorizationRequest } from './authorization-request.ts';
import type { EndpointContext } from './endpoint-context.ts';
import { GatewayUnavailableError } from './gateway-unavailable.ts';
import type { AuthorizationClaim } from './order-store.ts';

/** Identifies a PReq by what the cardholder signed: H(H(OIData) ‖ H(PI)). */
export function preqDigest(hOIData: Uint8Array, piBytes: Uint8Array): string {
  return b64u(sha256(concatBytes(hOIData, sha256(piBytes))));
}

export async function handlePReq(bytes: Uint8Array, ctx: EndpointContext): Promise<string> {
  const wire = decodeWireOf(bytes, 'PReq');
  const xid = wire.hdr.xid;
  if (!xid) fail('badMessageHeader', 'the PReq header names no XID');
  const body = parseWith(PReqBody, wire.body, 'PReq.body');
  const digest = preqDigest(sha256(fromB64u(body.oi.oiData, 'OIData')), fromB64u(body.pi, 'PReq.pi'));
  // The order is read while the chain and the dual signature are checked (they need no order);
  // the checks against the order wait for it.
  const found = ctx.orders.find(xid);
  const verifying = ctx.verifyContext().then(
    async (verifyCtx) =>
      await verifyPReq(
        bytes,
        async (x) => {
          const tx = await found;
          return x === tx?.xid ? tx.order : undefined;
        },
        verifyCtx,
        { acceptUnsigned: unsignedAccepted(ctx) },
      ),
  );
  // Awaited below, or not needed (a retry answered from the record, or the order unreadable).
  verifying.catch(() => {});
  const tx = await found;
  if (tx?.record) {
    // A retry of the PReq we already answered gets the same signed PRes: no second AuthReq.
    if (tx.record.preqDigest === digest) return tx.record.pres;
    fail('unknownXID', 'this XID has already been answered; start a new purchase');
  }

  const verified = await verifying;
  if (!tx) fail('unknownXID', 'PReq names an XID this merchant has no open order for');

  const rrpid = b64u(randomNonce());
  const cardholder = verified.cardholder ? b64u(verified.cardholder.chain[0]!.thumbprint) : undefined;
  const claimed = await ctx.orders.claimAuthorization(xid, {
    rrpid,
    preqDigest: digest,
    at: ctx.clock.now.toISOString(),
    request: encodeAuthorizationRequest({
      purchase: verified,
      amount: tx.authorizeFirst ?? tx.purchAmt,
      captureNow: ctx.captureNow,
      ...(tx.installRecurData ? { installRecurData: tx.installRecurData } : {}),
      rrpid,
    }),
    answers: {
      rrpid: verified.oiData.rrpid,
      challC: verified.oiData.challC,
      ...(cardholder ? { cardholder } : {}),
    },
  });
  if (!claimed.ok) {
    fail('unknownXID', `order ${tx.lidM} is already paid, or being paid, under another transaction`);
  }
  // The first claim wins: a retry (or a concurrent or rebuilt PReq) resends the claimed request.
  const claim: AuthorizationClaim = claimed.claim;

  const inForce = await ctx.revocation();
  const revocation = inForce ? { inForce, peerHolds: tx.walletHolds ?? [] } : undefined;
  let settled: Awaited<ReturnType<typeof authorizeClaim>>;
  try {
    settled = await authorizeClaim({
      gateway: ctx.gateway,
      orders: ctx.orders,
      merchant: ctx.merchant,
      now: ctx.now,
      xid,
      claim,
      answers: verified.oiData,
      ...(revocation ? { revocation } : {}),
      ...(cardholder ? { cardholder } : {}),
    });
  } catch (e) {
    if (e instanceof GatewayUnavailableError) {
      ctx.log(`SET endpoint: ${e.message}`);
      if (!e.maybeDelivered) {
        // Nothing reached the gateway: the order is as it was before this PReq.
        await ctx.orders.releaseAuthorization(xid, claim.rrpid);
        fail(
          'unspecifiedFailure',
          'the merchant could not reach its payment gateway; nothing was charged yet: try again',
        );
      }
      // The gateway may have authorized: say so, never "nothing was charged". The claim stays;
      // the wallet's retry or the merchant's reconciliation settles it with the same AuthReq.
      const pending: PurchaseOutcome = {
        completionCode: 'orderReceived',
        result: { status: 'pending', amount: tx.purchAmt },
      };
      return JSON.stringify(
        (
          await buildPRes({
            answers: verified.oiData,
            outcome: pending,
            merchant: ctx.merchant.signature,
            ...(revocation ? { revocation } : {}),
            now: ctx.now(),
          })
        ).wire,
      );
    }
    throw e;
  }
  const { stored, mine } = settled;
  if (mine) ctx.onOutcome({ xid, lidM: tx.lidM, outcome: stored.outcome });
  // A concurrent identical PReq may have recorded first: answer with the one PRes kept.
  return stored.preqDigest === digest ? stored.pres : settled.pres;
}

/**
 * An unsigned purchase (SET-PROFILE §4 Purchase 11) is accepted only when the merchant chose to
 * and its gateway allows it: the gateway key-exchange certificate the PI was sealed to says
 * cardCertRequired false. A gateway that requires cardholder certificates would refuse the
 * AuthReq anyway; the merchant refuses the PReq first, and no AuthReq is sent.
 */
export function unsignedAccepted(
  ctx: Pick<EndpointContext, 'acceptUnsigned' | 'gatewayKeyExchange'>,
): boolean {
  return ctx.acceptUnsigned && ctx.gatewayKeyExchange[0]?.cardCertRequired === false;
}

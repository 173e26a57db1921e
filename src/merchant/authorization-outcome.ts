/**
 * Sends a claimed AuthReq and records what the gateway answered, with the signed PRes the wallet
 * gets (SET Book 2 "Purchase response"). Shared by the PReq handler and by reconciliation, which
 * settles an order left "authorizing" when the AuthRes was lost: the AuthReq is rebuilt from the
 * claim (same XID and RRPID), so the gateway answers it from its ledger if it already authorized,
 * and the order ends as the gateway's books say, never authorized twice.
 */
import { buildPRes, type PurchaseOutcome } from '../protocol/index.ts';
import { decodeAuthorizationRequest } from './authorization-request.ts';
import type { GatewayClient } from './gateway-client.ts';
import type { MerchantKeys } from './keys.ts';
import type { AuthorizationClaim, OrderStore, PurchaseRecord } from './order-store.ts';

export interface PResAnswers {
  rrpid: string;
  challC: string;
  transIds: Parameters<typeof buildPRes>[0]['answers']['transIds'];
}

/** Sends the claim's AuthReq (throws GatewayUnavailableError or SetError); records the outcome. */
export async function authorizeClaim(p: {
  gateway: GatewayClient;
  orders: OrderStore;
  merchant: MerchantKeys;
  /** Read when the PRes is made, once the gateway has answered: a message is dated when it is made. */
  now: () => Date;
  xid: string;
  claim: AuthorizationClaim;
  answers: PResAnswers;
  /** What the PRes attaches of the revocation info in force (what the wallet lacks of it). */
  revocation?: Parameters<typeof buildPRes>[0]['revocation'];
  cardholder?: string;
}): Promise<{ stored: PurchaseRecord; pres: string; mine: boolean }> {
  const request = decodeAuthorizationRequest(p.claim.request);
  const authRes = await p.gateway.authorize(request);
  const result = authRes.result;
  const approved = result.status === 'approved';
  const sale = approved && request.captureNow === true;
  const outcome: PurchaseOutcome = {
    completionCode: sale ? 'capturePerformed' : approved ? 'authorizationPerformed' : 'orderRejected',
    result: { ...result },
    ...(authRes.acqCardMsg ? { acqCardMsg: authRes.acqCardMsg } : {}),
  };
  const madeAt = p.now();
  const pres = JSON.stringify(
    (
      await buildPRes({
        answers: p.answers,
        outcome,
        merchant: p.merchant.signature,
        ...(p.revocation ? { revocation: p.revocation } : {}),
        now: madeAt,
      })
    ).wire,
  );
  const record: PurchaseRecord = {
    preqDigest: p.claim.preqDigest,
    pres,
    outcome,
    authRes,
    ...(p.cardholder ? { cardholder: p.cardholder } : {}),
    ...(sale ? { capturedWithAuthorization: true } : {}),
    at: madeAt.toISOString(),
  };
  const stored = await p.orders.recordOutcome(p.xid, record);
  return { stored, pres, mine: stored.pres === pres };
}

/**
 * CapReq, CapRevReq, AuthRevReq, CredReq and CredRevReq at the gateway (SET Book 2 "Capture",
 * "Authorization reversal", "Credit" and their reversals). The request is verified, its CapToken
 * (if any) opened, and the ledger applies it under the authorization's row lock; the signed
 * answer is stored in the same transaction, so a retry gets the same bytes and nothing is
 * captured or refunded twice.
 */
import {
  buildFollowUpResponse,
  encodeWire,
  FOLLOW_UPS,
  type FollowUpRequest,
  openCapToken,
  SetError,
  verifyFollowUp,
  type Wire,
} from '../protocol/index.ts';
import { isBatched } from './batches.ts';
import { KIND_OF_REQUEST } from './follow-up-rules.ts';
import { merchantIdentityOf, merchantKeyExchangeOf } from './merchant-key-exchange.ts';
import { type PaymentContext, requestDigest } from './payment-context.ts';

export async function followUp(p: PaymentContext, type: FollowUpRequest, wire: Wire): Promise<string> {
  const ctx = await p.verifyContext();
  const { content: req, merchant } = await verifyFollowUp(wire, type, p.keyExchange, ctx);
  const capToken = req.capToken ? await openCapToken(req.capToken, p.keyExchange) : undefined;
  if (req.batchId !== undefined && !isBatched(KIND_OF_REQUEST[type])) {
    throw new SetError('decodingFailure', `${type} moves no money and goes into no batch: leave batchId out`);
  }
  // Bound to the enrolled merchant that authorized the sale, not to a MerchantID string any
  // certificate could repeat (issue 8.1): checked here and again under the ledger's row lock.
  const identity = merchantIdentityOf(merchant);
  const auth = await p.ledger.findAuthorization(req.transIds.xid);
  if (
    !auth ||
    auth.merchantId !== identity.merchantId ||
    (auth.merchantIssuer !== undefined && auth.merchantIssuer !== identity.issuer)
  ) {
    throw new SetError('unknownXID', 'no authorization with this XID was made for this merchant');
  }
  // Read once, outside the transaction: the recorded chain never changes after authorization.
  const merchantKx = (await merchantKeyExchangeOf(merchant, wire.certs, ctx, auth.merchantKxChain)).chain[0]!;
  const at = p.now();
  const outcome = await p.ledger.applyFollowUp(
    {
      kind: KIND_OF_REQUEST[type],
      xid: req.transIds.xid,
      rrpid: req.rrpid,
      requestDigest: requestDigest(req),
      amount: req.amount,
      source: 'merchant',
      merchant: identity,
      ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
      ...(capToken ? { capToken } : {}),
      ...(req.batchId !== undefined ? { batchId: req.batchId } : {}),
      at,
    },
    async (decision, _auth, batch) =>
      encodeWire(
        (
          await buildFollowUpResponse(type, {
            req,
            gateway: p.signature,
            merchantKeyExchange: merchantKx,
            status: decision.outcome === 'accepted' ? FOLLOW_UPS[type].ok : 'rejected',
            amount: req.amount,
            ...(decision.outcome === 'rejected' ? { reason: decision.reason } : {}),
            ...(batch ? { batch } : {}),
            // Made once the ledger row is ours (a concurrent follow-up may have held it).
            now: p.now(),
          })
        ).wire,
      ),
  );
  if (!outcome.response) {
    // The RRPID belongs to an operator action or a CaptureNow capture, which have no SET answer.
    throw new SetError('unknownRRPID', 'this RRPID was already used for another request on this XID');
  }
  if (!outcome.replayed) {
    p.log({
      level: 'info',
      event: outcome.event.kind,
      xid: outcome.event.xid,
      outcome: outcome.event.outcome,
    });
  }
  return outcome.response;
}

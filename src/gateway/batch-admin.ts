/**
 * BatchAdminReq → BatchAdminRes at the gateway (SET Book 2 "Batch administration"; SET-PROFILE §6
 * "Batches"). The request must be signed by a merchant signature certificate valid under the
 * gateway's roots and CRLs, for the gateway's brand; the merchant is the identity the gateway binds
 * follow-ups to (MerchantID and issuing MCA key, merchantIdentityOf), and it sees and changes only
 * its own batches: another merchant's BatchID is `unknownBatchID`, exactly like one that does not
 * exist. An open or close is applied exactly once (batches.ts): a retry gets the stored bytes.
 */
import {
  buildBatchAdminRes,
  DEFAULT_BATCH_LIST,
  encodeWire,
  SetError,
  verifyBatchAdminReq,
  type WireInput,
} from '../protocol/index.ts';
import type { BatchAnswer } from './batches.ts';
import { merchantIdentityOf } from './merchant-key-exchange.ts';
import { type PaymentContext, requestDigest } from './payment-context.ts';

export async function answerBatchAdminReq(p: PaymentContext, message: WireInput): Promise<string> {
  const ctx = await p.verifyContext();
  const { content: req, merchant } = await verifyBatchAdminReq(message, ctx);
  const identity = merchantIdentityOf(merchant);
  const at = p.now();
  const sign = async (answer: BatchAnswer) =>
    encodeWire((await buildBatchAdminRes({ req, signature: p.signature, answer, now: at })).wire);

  if (req.operation === 'open' || req.operation === 'close') {
    const outcome = await p.batches.change(identity, req, requestDigest(req), at, sign);
    if ('rrpidReused' in outcome) {
      throw new SetError('unknownRRPID', 'this RRPID was already used for another BatchAdminReq');
    }
    if (!outcome.replayed) {
      p.log({ level: 'info', event: `batch-${req.operation}`, merchant: identity.merchantId });
    }
    return outcome.response;
  }
  if (req.operation === 'status') {
    return sign(await p.batches.status(identity, req));
  }
  return sign(
    await p.batches.list(identity, {
      ...(req.list?.state ? { state: req.list.state } : {}),
      limit: req.list?.limit ?? DEFAULT_BATCH_LIST,
      ...(req.list?.before !== undefined ? { before: req.list.before } : {}),
    }),
  );
}

/**
 * A subsequent AuthReq at the gateway (SET Book 2 SubsequentAuthInd + AuthToken; SET-PROFILE §6
 * split shipment, installments and recurring payments). The AuthToken, opened by
 * verifyAnyAuthReq, says what the cardholder signed and for which merchant; the ledger says what
 * has been granted so far. In order: the merchant identity (the one that authorized the sale, as
 * for every follow-up), the idempotency key (a retry gets the stored AuthRes), the signed terms,
 * then the issuer, and the AuthRes is sent only once the ledger has committed it, under the
 * purchase's row lock, which re-checks key and terms against a concurrent request.
 */
import {
  buildAuthRes,
  encodeWire,
  SetError,
  sealAuthToken,
  type VerifiedSubsequentAuthReq,
  type VerifyContext,
  type Wire,
} from '../protocol/index.ts';
import { authResultOf, capTokenOf } from './authorization-result.ts';
import { historyOf, replayableSubsequent } from './ledger.ts';
import { merchantIdentityOf, merchantKeyExchangeOf } from './merchant-key-exchange.ts';
import { type PaymentContext, requestDigest } from './payment-context.ts';
import { checkSubsequent, roomAfter } from './subsequent-rules.ts';

export async function authorizeSubsequent(
  p: PaymentContext,
  verified: VerifiedSubsequentAuthReq,
  wire: Wire,
  ctx: VerifyContext,
): Promise<string> {
  const { content: req, token } = verified;
  const xid = req.transIds.xid;
  const identity = merchantIdentityOf(verified.merchant);
  const unknown = () =>
    new SetError('unknownXID', 'no authorization with this XID was made for this merchant');
  // The token names the merchant that authorized the sale; another merchant holding it (or the
  // same MerchantID under another MCA) is told what it would be told of an XID that does not exist.
  if (token.merchant.merchantId !== identity.merchantId || token.merchant.issuer !== identity.issuer) {
    throw unknown();
  }
  const auth = await p.ledger.findAuthorization(xid);
  if (!auth || auth.merchantId !== identity.merchantId || auth.merchantIssuer !== identity.issuer) {
    throw unknown();
  }
  const digest = requestDigest(req);
  const cmd = {
    xid,
    rrpid: req.rrpid,
    requestDigest: digest,
    idempotencyKey: req.idempotencyKey,
    amount: req.authReqAmt,
    captureNow: req.captureNow,
  };
  const seen = await p.ledger.findSubsequent(xid, req.idempotencyKey);
  if (seen) {
    replayableSubsequent(seen, cmd);
    return seen.response;
  }
  // Refused before the issuer is asked; checked again under the row lock when recording.
  checkSubsequent(token, historyOf(auth), req.authReqAmt, p.now());
  const merchantKx = (await merchantKeyExchangeOf(verified.merchant, wire.certs, ctx, auth.merchantKxChain))
    .chain[0]!;
  const decision = await p.issuer.authorize({
    pan: token.pan,
    expiry: token.expiry,
    amount: req.authReqAmt,
    now: p.now(),
  });
  const at = p.now();
  const result = authResultOf(decision, req.authReqAmt);
  const outcome = await p.ledger.recordSubsequent(
    { ...cmd, merchant: identity, token, result: decision, at },
    async (after) => {
      const capToken = await capTokenOf(decision, req, xid, at, p.keyExchange.certificate);
      const authToken = roomAfter(token, after, at)
        ? await sealAuthToken(token, p.keyExchange.certificate)
        : undefined;
      return encodeWire(
        (
          await buildAuthRes({
            req,
            gateway: p.signature,
            merchantKeyExchange: merchantKx,
            result,
            ...(capToken ? { capToken } : {}),
            ...(authToken ? { authToken } : {}),
            now: at,
          })
        ).wire,
      );
    },
  );
  if (!outcome.replayed) {
    p.log({
      level: 'info',
      event: 'subsequent-authorization',
      xid,
      seq: outcome.record.seq,
      result: decision.status,
    });
  }
  return outcome.record.response;
}

/**
 * AuthReq → AuthRes at the gateway (SET Book 2 "Payment authorization"; SET-PROFILE §4 Payment).
 * verifyAuthReq makes every check of the profile's list but one; this adds the last, that the XID
 * has not been used before, against the ledger. Then the issuer decides, the answer is built,
 * and it is sent only once the ledger has committed it.
 *
 * An approval that leaves room for more (a part of the signed amount, or a plan) carries an
 * AuthToken; a subsequent AuthReq with it goes to subsequent-authorization.ts.
 */
import {
  buildAuthRes,
  checkInstallRecur,
  encodeWire,
  SetError,
  sealAuthToken,
  type VerifiedAuthReq,
  type VerifyContext,
  verifyAnyAuthReq,
  type Wire,
} from '../protocol/index.ts';
import { authResultOf, capTokenOf } from './authorization-result.ts';
import type { AuthorizationRecord } from './ledger.ts';
import { chainToRecord, merchantIdentityOf, merchantKeyExchangeOf } from './merchant-key-exchange.ts';
import { type PaymentContext, requestDigest } from './payment-context.ts';
import { authorizeSubsequent } from './subsequent-authorization.ts';

/** Returns the AuthRes wire to send; throws a SetError for anything the Error message reports. */
export async function authorize(p: PaymentContext, wire: Wire): Promise<string> {
  const ctx = await p.verifyContext();
  const verified = await verifyAnyAuthReq(wire, p.keyExchange, ctx);
  if (verified.kind === 'subsequent') return await authorizeSubsequent(p, verified, wire, ctx);
  const req = verified.content;
  if (req.authReqAmt.value === 0)
    throw new SetError('decodingFailure', 'AuthReqAmt must be greater than zero');
  const xid = req.transIds.xid;
  const digest = requestDigest(req, verified.piBytes);

  // The ledger is read only when the XID is taken: its insert is the check (ON CONFLICT DO NOTHING),
  // so a new authorization costs one statement. A retry is answered with what the first attempt
  // stored, also when this attempt failed before its insert (the issuer link down, a plan now past
  // its end): what was recorded stands.
  try {
    return await authorizeNew(p, wire, verified, ctx, digest);
  } catch (e) {
    // unknownXID: the insert found the XID taken, and replay() has compared the requests already.
    if (e instanceof SetError && e.code === 'unknownXID') throw e;
    const existing = await p.ledger.findAuthorization(xid).catch(() => undefined);
    if (existing) return replay(existing, req.rrpid, digest);
    throw e;
  }
}

async function authorizeNew(
  p: PaymentContext,
  wire: Wire,
  verified: VerifiedAuthReq,
  ctx: VerifyContext,
  digest: string,
): Promise<string> {
  const req = verified.content;
  const xid = req.transIds.xid;
  const head = verified.piData.piHead;
  const plan = head.installRecurData;
  if (plan) checkInstallRecur(plan, head.purchAmt, p.now());
  const merchantKx = await merchantKeyExchangeOf(verified.merchant, wire.certs, ctx);
  const card = verified.piData.type === 'PIData' ? verified.piData.panData : verified.piData.panToken;
  const identity = merchantIdentityOf(verified.merchant);
  // Two processes racing on one XID may both ask the simulator, which holds nothing; only one
  // answer is recorded and sent. (A real issuer link would reserve the XID first.)
  const decision = await p.issuer.authorize({
    pan: card.pan,
    expiry: card.expiry,
    amount: req.authReqAmt,
    now: p.now(),
  });
  const at = p.now();
  const result = authResultOf(decision, req.authReqAmt);
  // With CaptureNow the approval is captured at once and there is nothing left to capture later.
  const capToken = await capTokenOf(decision, req, xid, at, p.keyExchange.certificate);
  // Room for a further authorization: a part of the signed amount, or the plan's next payment.
  const authToken =
    decision.status === 'approved' && (plan || req.authReqAmt.value < head.purchAmt.value)
      ? await sealAuthToken(
          {
            type: 'AuthToken',
            xid,
            brandId: verified.merchant.brandId,
            purchAmt: head.purchAmt,
            ...(plan ? { installRecurData: plan } : {}),
            merchant: identity,
            pan: card.pan,
            expiry: card.expiry,
            dualSigned: verified.cardholder !== undefined,
            date: at.toISOString(),
          },
          p.keyExchange.certificate,
        )
      : undefined;
  const response = encodeWire(
    (
      await buildAuthRes({
        req,
        gateway: p.signature,
        merchantKeyExchange: merchantKx.chain[0]!,
        result,
        ...(capToken ? { capToken } : {}),
        ...(authToken ? { authToken } : {}),
        now: at,
      })
    ).wire,
  );
  const merchant = verified.merchant.chain[0]!;
  const recorded = await p.ledger.recordAuthorization({
    xid,
    rrpid: req.rrpid,
    requestDigest: digest,
    lidM: req.transIds.lidM,
    merchantId: identity.merchantId,
    merchantIssuer: identity.issuer,
    merchantName: merchant.merchantData?.name ?? merchant.subject.commonName,
    merchantKxChain: chainToRecord(merchantKx),
    brandId: verified.merchant.brandId,
    panLast4: card.pan.slice(-4),
    dualSigned: verified.cardholder !== undefined,
    amount: req.authReqAmt,
    purchAmt: head.purchAmt,
    ...(plan ? { installRecurData: plan } : {}),
    result: decision,
    captureNow: req.captureNow,
    response,
    at,
  });
  if (!recorded.inserted) return replay(recorded.existing, req.rrpid, digest);
  p.log({
    level: 'info',
    event: 'authorization',
    xid,
    result: decision.status,
    reason: decision.status === 'declined' ? decision.reason : undefined,
  });
  return response;
}

/** Same XID, same RRPID, same request: the stored answer, byte for byte. Anything else: unknownXID. */
function replay(existing: AuthorizationRecord, rrpid: string, digest: string): string {
  if (existing.rrpid === rrpid && existing.requestDigest === digest) return existing.response;
  throw new SetError(
    'unknownXID',
    'this XID has already been authorized; a retry must repeat the same AuthReq (same RRPID and content)',
  );
}

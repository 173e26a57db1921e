/**
 * CertReq → CertRes at the CCA, MCA and PCA (SET Book 2 "Certificate request/response";
 * SET-PROFILE §4 Cardholder registration 3–4). The protocol opens the request and checks the
 * proof of possession, LID-CA, Chall-CA, LID-EE and request type against the pending registration
 * (openCertReq); this CA then decides, issues and records, in one transaction:
 *
 *   - the answers must fill in the form this CA sent (else a rejected CertRes: a business result);
 *   - a cardholder's card must be the one RegFormReq named and not past its expiry; the
 *     certificate binds the unique ID HMAC(PANSecret, PAN‖expiry) with a fresh NonceCCA
 *     (issueFromCertReq);
 *   - a merchant or gateway must pass the enrolment policy, and gets two certificates;
 *   - a merchant gets the MerchantID the MCA assigns, or keeps its own when it renews with its
 *     current certificate (merchant-identity.ts); the enrolment record commits with the certificates.
 *
 * The pending registration is locked first and consumed on issuance, so two racing copies of one
 * request issue one certificate; the answer is recorded under the RRPID for retries.
 */
import {
  buildCertRes,
  type CertReqData,
  type CertResult,
  constantTimeEqual,
  encodeWire,
  fail,
  issueFromCertReq,
  openCertReq,
  type ParsedCertificate,
  type PendingRegistration,
  regFormAnswersProblem,
} from '../protocol/index.ts';
import { isLuhnValid } from '../protocol/pan.ts';
import type { Sql } from '../storage/index.ts';
import { panDigest } from './cardholder-registration.ts';
import { merchantIdentity } from './merchant-identity.ts';
import type { RegistrationContext, SetHandlers } from './registration-context.ts';
import { recordCertificate } from './store/certificates.ts';
import { setCurrentCertificate } from './store/merchant-enrolments.ts';
import { deletePending, findPending, type Pending } from './store/pending.ts';
import { recordResponse } from './store/responses.ts';

export function certReqHandlers(ctx: RegistrationContext, panKey?: Uint8Array): SetHandlers {
  const { role, db } = ctx;
  return {
    CertReq: async ({ bytes, wire, requestHash, at, now }) => {
      // openCertReq looks the registration up synchronously: load it first, by the clear LID-CA
      // (which openCertReq then checks against the sealed content).
      const lidCA = wire.hdr.lidCA;
      const pending = lidCA ? await findPending(db, role.name, lidCA, at) : undefined;
      const known: PendingRegistration | undefined =
        pending?.stage === 'form' && pending.challCA
          ? { lidEE: pending.lidEE, challCA: pending.challCA, requestType: pending.requestType }
          : undefined;
      const { content: req, renewing } = await openCertReq(
        bytes,
        role.keyExchange,
        (lid) => (lid === lidCA ? known : undefined),
        { now: at },
      );
      return db.transaction(async (tx) => {
        const locked = await findPending(tx, role.name, req.lidCA, at, true);
        if (locked?.stage !== 'form' || locked.challCA !== req.challCA) {
          fail('unknownRRPID', 'this registration was completed or has expired; start again');
        }
        const { result, merchant } = await decide(tx, ctx, req, renewing, locked, at, panKey);
        const res = await buildCertRes({ req, ca: role.signer, result, now: now() });
        const response = encodeWire(res.wire);
        if (result.status === 'issued') {
          await record(tx, ctx, req, result, at, merchant?.merchantId);
          if (merchant) {
            await setCurrentCertificate(tx, {
              merchantId: merchant.merchantId,
              thumbprint: result.certificate.thumbprint,
              at,
              renewal: merchant.renewal,
            });
          }
          await deletePending(tx, req.lidCA);
        }
        await recordResponse(tx, {
          ca: role.name,
          rrpid: req.rrpid,
          messageType: 'CertReq',
          requestHash,
          response,
          at,
        });
        return response;
      });
    },
  };
}

function rejected(reason: string): CertResult {
  return { status: 'rejected', reason };
}

/**
 * This CA's decision: a rejection with a reason the requester can act on, or the certificates;
 * for a merchant, also the MerchantID they carry (claimed or locked in `tx`).
 */
async function decide(
  tx: Sql,
  ctx: RegistrationContext,
  req: CertReqData,
  renewing: ParsedCertificate | undefined,
  pending: Pending,
  at: Date,
  panKey: Uint8Array | undefined,
): Promise<{ result: CertResult; merchant?: { merchantId: string; renewal: boolean } }> {
  const problem = regFormAnswersProblem(pending.regForm!, req.answers);
  if (problem) return { result: rejected(`The registration form is not filled in: ${problem}.`) };
  if (req.requestType === 'merchant') {
    const decision = ctx.enrolments.merchant(req);
    if (!decision.approve) return { result: rejected(decision.reason) };
    // Checked after the policy, so a refused request claims no MerchantID or name.
    const identity = await merchantIdentity(tx, req, renewing, at);
    if ('rejected' in identity) return { result: rejected(identity.rejected) };
    const issuer = { certificate: ctx.role.signer.certificate, privateKey: ctx.role.signer.privateKey };
    return {
      result: issueFromCertReq({
        req,
        issuer,
        ...(decision.subject ? { subject: decision.subject } : {}),
        merchantId: identity.merchantId,
        now: at,
      }),
      merchant: identity,
    };
  }
  return { result: decideOther(ctx, req, pending, at, panKey) };
}

function decideOther(
  ctx: RegistrationContext,
  req: Exclude<CertReqData, { requestType: 'merchant' }>,
  pending: Pending,
  at: Date,
  panKey: Uint8Array | undefined,
): CertResult {
  const issuer = { certificate: ctx.role.signer.certificate, privateKey: ctx.role.signer.privateKey };
  switch (req.requestType) {
    case 'cardholder': {
      const { pan, expiry } = req.panData0;
      if (!isLuhnValid(pan)) return rejected('The card number fails the Luhn check.');
      if (!panKey || !pending.panDigest || !constantTimeEqual(panDigest(panKey, pan), pending.panDigest)) {
        return rejected('The card number differs from the one the registration form was requested for.');
      }
      const thisMonth = `${at.getUTCFullYear()}${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
      if (expiry < thisMonth) return rejected('The card has expired: check the expiry date.');
      return issueFromCertReq({ req, issuer, now: at });
    }
    case 'gateway': {
      const decision = ctx.enrolments.gateway(req);
      if (!decision.approve) return rejected(decision.reason);
      return issueFromCertReq({
        req,
        issuer,
        ...(decision.subject ? { subject: decision.subject } : {}),
        now: at,
      });
    }
  }
}

async function record(
  tx: Sql,
  ctx: RegistrationContext,
  req: CertReqData,
  issued: Extract<CertResult, { status: 'issued' }>,
  at: Date,
  merchantId: string | undefined,
): Promise<void> {
  const common = {
    issuer: ctx.role.name,
    issuedAt: at,
    lidCA: req.lidCA,
    ...(merchantId ? { merchantId } : {}),
  };
  await recordCertificate(tx, {
    ...common,
    certificate: issued.certificate,
    ...(req.requestType === 'cardholder' ? { cardLast4: req.panData0.pan.slice(-4) } : {}),
  });
  if (issued.kxCertificate) await recordCertificate(tx, { ...common, certificate: issued.kxCertificate });
}

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
 *
 * Every decision is also kept by LID-CA (ca_cert_requests) for CertInqReq → CertInqRes (SET Book 2
 * "Certificate inquiry"): a cardholder registration the issuer reviews is answered `pending` and
 * decided at the next inquiry; an issued certificate is answered again, the same one, to an
 * inquiry signed by the key it certifies. A cardholder renewal (renewal + renewalSig, checked by
 * openCertReq) must renew a certificate this CCA issued that is neither revoked, expired, nor
 * already renewed (its lineage's current one); the new certificate names the same unique ID.
 */
import {
  b64u,
  buildCertInqRes,
  buildCertRes,
  type CertReqData,
  type CertResult,
  cardholderIdentity,
  certInqReqLidCA,
  constantTimeEqual,
  encodeWire,
  fail,
  fromB64u,
  fromHex,
  hex,
  issueCardholderCertificate,
  issueFromCertReq,
  openCertReq,
  type ParsedCertificate,
  type PendingRegistration,
  parseCertificate,
  regFormAnswersProblem,
  validityFrom,
  verifyCertInqReq,
} from '../protocol/index.ts';
import { isLuhnValid } from '../protocol/pan.ts';
import type { Sql } from '../storage/index.ts';
import { panDigest } from './cardholder-registration.ts';
import { merchantIdentity } from './merchant-identity.ts';
import type { RegistrationContext, SetHandlers } from './registration-context.ts';
import {
  type CertRequestRecord,
  decideCertRequest,
  findCertRequest,
  type PendingIssue,
  recordCertRequest,
} from './store/cert-requests.ts';
import { findByThumbprint, markRenewed, recordCertificate } from './store/certificates.ts';
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
        const { result, merchant, pendingIssue, renews } = await decide(
          tx,
          ctx,
          req,
          renewing,
          locked,
          at,
          panKey,
        );
        const res = await buildCertRes({ req, ca: role.signer, result, now: now() });
        const response = encodeWire(res.wire);
        await keepDecision(tx, ctx, req, result, pendingIssue, at);
        // Pending: the registration waits for CertInqReq only; no second CertReq under its LID-CA.
        if (result.status === 'pending') await deletePending(tx, req.lidCA);
        if (result.status === 'issued') {
          await record(tx, ctx, req, result, at, merchant?.merchantId);
          if (renews && !(await markRenewed(tx, renews, result.certificate.thumbprint))) {
            fail('unspecifiedFailure', 'the certificate was renewed meanwhile; renew the newest one');
          }
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

    CertInqReq: async ({ bytes, requestHash, at, now }) => {
      const lidCA = certInqReqLidCA(bytes);
      return db.transaction(async (tx) => {
        const rec = await findCertRequest(tx, role.name, lidCA, true);
        if (!rec)
          fail('unknownRRPID', `CertInqReq names a LID-CA with no certificate request at this ${role.title}`);
        // Someone else's request: the inquiry must be signed by the key the CertReq certifies.
        const inq = await verifyCertInqReq(bytes, rec, { now: at });
        const result = await answerInquiry(tx, ctx, rec, at);
        const res = await buildCertInqRes({
          inq,
          caBackKey: b64u(rec.caBackKey),
          ca: role.signer,
          result,
          now: now(),
        });
        const response = encodeWire(res.wire);
        await recordResponse(tx, {
          ca: role.name,
          rrpid: inq.rrpid,
          messageType: 'CertInqReq',
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

/** Keeps the decision on `req` by LID-CA for CertInqReq (a rejected one may be tried again). */
async function keepDecision(
  tx: Sql,
  ctx: RegistrationContext,
  req: CertReqData,
  result: CertResult,
  pendingIssue: PendingIssue | undefined,
  at: Date,
): Promise<void> {
  const record: CertRequestRecord = {
    ca: ctx.role.name,
    lidCA: req.lidCA,
    lidEE: req.lidEE,
    requestType: req.requestType,
    publicKey: fromB64u(req.publicKey, 'publicKey'),
    caBackKey: fromB64u(req.caBackKey, 'caBackKey'),
    status: result.status,
    createdAt: at,
  };
  if (result.status === 'issued') {
    record.certificateThumbprint = result.certificate.thumbprint;
    if (result.kxCertificate) record.kxThumbprint = result.kxCertificate.thumbprint;
    if (result.nonceCca) record.nonceCca = result.nonceCca;
  } else if (result.reason) {
    record.reason = result.reason;
  }
  if (pendingIssue) record.pendingIssue = pendingIssue;
  await recordCertRequest(tx, record);
}

/**
 * The answer to an inquiry about `rec` (locked): a pending cardholder request is decided now (the
 * issuer's review is over: the sandbox certifies, unless a renewal's certificate was revoked or
 * renewed meanwhile); a decided one is answered as decided, with the very certificate issued.
 */
async function answerInquiry(
  tx: Sql,
  ctx: RegistrationContext,
  rec: CertRequestRecord,
  at: Date,
): Promise<CertResult> {
  if (rec.status === 'rejected') return { status: 'rejected', ...(rec.reason ? { reason: rec.reason } : {}) };
  if (rec.status === 'issued') {
    const certificate = await issuedCertificate(tx, rec.certificateThumbprint!);
    const kxCertificate = rec.kxThumbprint ? await issuedCertificate(tx, rec.kxThumbprint) : undefined;
    return {
      status: 'issued',
      certificate,
      ...(kxCertificate ? { kxCertificate } : {}),
      ...(rec.nonceCca ? { nonceCca: rec.nonceCca } : {}),
    };
  }
  const pendingIssue = rec.pendingIssue!;
  const renews = pendingIssue.renews ? fromHex(pendingIssue.renews) : undefined;
  if (renews) {
    const problem = renewalProblem(await findByThumbprint(tx, renews, true), at);
    if (problem) {
      await decideCertRequest(tx, ctx.role.name, rec.lidCA, { status: 'rejected', reason: problem }, at);
      return rejected(problem);
    }
  }
  const issuer = { certificate: ctx.role.signer.certificate, privateKey: ctx.role.signer.privateKey };
  const certificate = issueCardholderCertificate({
    issuer,
    publicKey: rec.publicKey,
    uniqueId: fromHex(pendingIssue.uniqueId),
    ...validityFrom(at, issuer.certificate, ctx.cardholderValidityMs),
  });
  const nonceCca = fromB64u(pendingIssue.nonceCca, 'nonceCca');
  await recordCertificate(tx, {
    certificate,
    issuer: ctx.role.name,
    issuedAt: at,
    lidCA: rec.lidCA,
    cardLast4: pendingIssue.cardLast4,
  });
  if (renews && !(await markRenewed(tx, renews, certificate.thumbprint))) {
    fail('unspecifiedFailure', 'the certificate was renewed meanwhile; renew the newest one');
  }
  await decideCertRequest(
    tx,
    ctx.role.name,
    rec.lidCA,
    { status: 'issued', certificateThumbprint: certificate.thumbprint, nonceCca },
    at,
  );
  return { status: 'issued', certificate, nonceCca };
}

async function issuedCertificate(tx: Sql, thumbprint: Uint8Array): Promise<ParsedCertificate> {
  const found = await findByThumbprint(tx, thumbprint);
  if (!found) fail('unspecifiedFailure', 'the certificate issued for this request is not on record');
  return parseCertificate(found.der);
}

/** Why a cardholder certificate cannot be renewed now (it must be this CCA's, live and current). */
function renewalProblem(old: Awaited<ReturnType<typeof findByThumbprint>>, at: Date): string | undefined {
  if (old?.issuer !== 'cca' || old.certificateType !== 'cardholder') {
    return 'The certificate to renew was not issued by this Cardholder CA: register the card instead.';
  }
  if (old.revokedAt) return 'The certificate to renew has been revoked: register the card again.';
  if (old.notAfter.getTime() < at.getTime())
    return 'The certificate to renew has expired: register the card again.';
  if (old.renewedBy) return 'This certificate was renewed already: renew the card’s newest certificate.';
  return undefined;
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
): Promise<{
  result: CertResult;
  merchant?: { merchantId: string; renewal: boolean };
  /** A cardholder request left pending: what issuing it will need. */
  pendingIssue?: PendingIssue;
  /** A cardholder renewal: the thumbprint of the certificate it replaces. */
  renews?: Uint8Array;
}> {
  const problem = regFormAnswersProblem(pending.regForm!, req.answers);
  if (problem) return { result: rejected(`The registration form is not filled in: ${problem}.`) };
  if (req.requestType === 'cardholder') return decideCardholder(tx, ctx, req, renewing, pending, at, panKey);
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
  return { result: decideGateway(ctx, req, at) };
}

/**
 * A cardholder: the card RegFormReq named, not past its expiry; a renewal renews a live, current
 * certificate of this CCA (and a renewal form is answered by a renewal only); a card the issuer
 * reviews is left pending.
 */
async function decideCardholder(
  tx: Sql,
  ctx: RegistrationContext,
  req: Extract<CertReqData, { requestType: 'cardholder' }>,
  renewing: ParsedCertificate | undefined,
  pending: Pending,
  at: Date,
  panKey: Uint8Array | undefined,
): Promise<{ result: CertResult; pendingIssue?: PendingIssue; renews?: Uint8Array }> {
  const { pan, expiry } = req.panData0;
  if (!isLuhnValid(pan)) return { result: rejected('The card number fails the Luhn check.') };
  if (!panKey || !pending.panDigest || !constantTimeEqual(panDigest(panKey, pan), pending.panDigest)) {
    return {
      result: rejected('The card number differs from the one the registration form was requested for.'),
    };
  }
  const thisMonth = `${at.getUTCFullYear()}${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
  if (expiry < thisMonth) return { result: rejected('The card has expired: check the expiry date.') };
  if (pending.renewal && !renewing) {
    return { result: rejected('A renewal form answers a renewal only: name the certificate to renew.') };
  }
  if (renewing) {
    const problem = renewalProblem(await findByThumbprint(tx, renewing.thumbprint, true), at);
    if (problem) return { result: rejected(problem) };
  }
  const renews = renewing ? { renews: renewing.thumbprint } : {};
  const { nonceCca, uniqueId } = cardholderIdentity(req);
  if (ctx.cardholderReview?.(pan)) {
    return {
      result: {
        status: 'pending',
        reason: 'The issuer is reviewing this registration. Ask again later: nothing needs doing again.',
      },
      pendingIssue: {
        uniqueId: hex(uniqueId),
        nonceCca: b64u(nonceCca),
        cardLast4: pan.slice(-4),
        ...(renewing ? { renews: hex(renewing.thumbprint) } : {}),
      },
      ...renews,
    };
  }
  const issuer = { certificate: ctx.role.signer.certificate, privateKey: ctx.role.signer.privateKey };
  const certificate = issueCardholderCertificate({
    issuer,
    publicKey: fromB64u(req.publicKey, 'publicKey'),
    uniqueId,
    ...validityFrom(at, issuer.certificate, ctx.cardholderValidityMs),
  });
  return { result: { status: 'issued', certificate, nonceCca }, ...renews };
}

function decideGateway(
  ctx: RegistrationContext,
  req: Extract<CertReqData, { requestType: 'gateway' }>,
  at: Date,
): CertResult {
  const issuer = { certificate: ctx.role.signer.certificate, privateKey: ctx.role.signer.privateKey };
  const decision = ctx.enrolments.gateway(req);
  if (!decision.approve) return rejected(decision.reason);
  return issueFromCertReq({
    req,
    issuer,
    ...(decision.subject ? { subject: decision.subject } : {}),
    ...(decision.cardCertRequired === false ? { cardCertRequired: false } : {}),
    now: at,
  });
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

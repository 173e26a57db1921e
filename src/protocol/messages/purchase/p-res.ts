/**
 * PRes and InqReq → InqRes (SET Book 2 "Purchase response", "Order inquiry"; SET-PROFILE §4
 * Purchase 9–10). PRes is signed by the merchant, answers the PReq by RRPID and Chall-C, and is
 * the wallet's receipt. InqRes has PRes's form and answers an inquiry about an XID.
 */
import * as v from 'valibot';
import { b64u, fromB64u } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import { parseCertificate } from '../../pki/certificate.ts';
import type { ParsedCertificate, ValidatedPath } from '../../pki/types.ts';
import { constantTimeEqual, randomNonce } from '../../primitives/hash.ts';
import { type RevocationInForce, withRevocationInfo } from '../brand-crl-identifier.ts';
import { Amount, DeclineReason, Digest, Nonce, Timestamp, TransIds } from '../fields.ts';
import { headerFor } from '../header.ts';
import { receivePlainBody, receiveSigned, receiveSignedBody } from '../receive.ts';
import { SealedBody } from '../sealed.ts';
import { plainBody, type Signer } from '../signed.ts';
import { signedMessage } from '../signed-message.ts';
import type { VerifyContext } from '../trust.ts';
import { decodeWireOf, makeWire, type Wire } from '../wire.ts';

/** The most approved authorizations an InqRes lists (`payments`); `paymentCount` says how many in all. */
export const MAX_REPORTED_PAYMENTS = 400;

/** SET's CompletionCode: how far the merchant got with the order. */
export const COMPLETION_CODES = [
  'orderRejected',
  'orderReceived',
  'authorizationPerformed',
  'capturePerformed',
  'creditPerformed',
] as const;

const PResFields = {
  date: Timestamp,
  rrpid: Nonce,
  transIds: TransIds,
  challC: Nonce,
  completionCode: v.picklist(COMPLETION_CODES),
  result: v.strictObject({
    status: v.picklist(['approved', 'declined', 'pending']),
    authCode: v.optional(v.pipe(v.string(), v.regex(/^[A-Z0-9]{6}$/))),
    reason: v.optional(DeclineReason),
    amount: Amount,
  }),
  acqCardMsg: v.optional(SealedBody),
  /**
   * Where the payment stands now (SET's AuthStatus, CapStatus and CreditStatusSeq, summed): the
   * amount still authorized after reversals, captured after capture reversals, and credited
   * (refunded) after credit reversals, each in PurchAmt's currency. An InqRes about an approved
   * purchase carries it; the wallet shows the state it implies (paymentStateOf).
   */
  results: v.optional(v.strictObject({ authorized: Amount, captured: Amount, credited: Amount })),
  /**
   * InqRes only, for a purchase with a payment plan or authorized in parts (SET-PROFILE §6): each
   * approved authorization so far, the purchase's own first, oldest first, with the date the
   * merchant recorded it; at most MAX_REPORTED_PAYMENTS, the newest (`paymentCount` is the total).
   */
  payments: v.optional(
    v.pipe(v.array(v.strictObject({ date: Timestamp, amount: Amount })), v.maxLength(MAX_REPORTED_PAYMENTS)),
  ),
  /** With `payments`: how many approved authorizations there are in all. */
  paymentCount: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0))),
};
export const PResContent = v.strictObject({ type: v.literal('PRes'), ...PResFields });
export const InqResContent = v.strictObject({ type: v.literal('InqRes'), ...PResFields });
export type PResContent = v.InferOutput<typeof PResContent>;
export type InqResContent = v.InferOutput<typeof InqResContent>;
export type PurchaseOutcome = Omit<PResContent, 'type' | 'date' | 'rrpid' | 'transIds' | 'challC'>;
export type PaymentResults = NonNullable<PResContent['results']>;

/** What a shopper is told of a payment, from a verified PRes or InqRes. */
export type PaymentState =
  | 'pending'
  | 'declined'
  | 'authorized'
  | 'captured'
  | 'partlyRefunded'
  | 'refunded'
  | 'reversed';

/**
 * The state a verified outcome implies: declined and pending as the result says; an approval by
 * its `results` (credited all that was captured: refunded; some: partly refunded; captured;
 * nothing left authorized or captured: reversed), or, without results (a PRes), by its
 * CompletionCode.
 */
export function paymentStateOf(
  o: Pick<PurchaseOutcome, 'completionCode' | 'result' | 'results'>,
): PaymentState {
  if (o.result.status !== 'approved') return o.result.status;
  const r = o.results;
  if (!r) return o.completionCode === 'capturePerformed' ? 'captured' : 'authorized';
  if (r.credited.value > 0) return r.credited.value >= r.captured.value ? 'refunded' : 'partlyRefunded';
  if (r.captured.value > 0) return 'captured';
  return r.authorized.value > 0 ? 'authorized' : 'reversed';
}

export const InqReqContent = v.strictObject({
  type: v.literal('InqReq'),
  date: Timestamp,
  rrpid: Nonce,
  transIds: TransIds,
  challC: Nonce,
  /**
   * A card renewed since it paid: the thumbprint of the certificate that paid, carried in `certs`.
   * The signer's certificate renews it: the same unique cardholder ID, from the same CCA.
   */
  paidWith: v.optional(Digest),
});
export type InqReqContent = v.InferOutput<typeof InqReqContent>;

/** What a PRes or InqRes must answer. */
export interface Answerable {
  rrpid: string;
  transIds: PResContent['transIds'];
  challC: string;
}

async function buildOutcome<T extends 'PRes' | 'InqRes'>(
  type: T,
  answers: Answerable,
  outcome: PurchaseOutcome,
  merchant: Signer & { chain: ParsedCertificate[] },
  now: Date | undefined,
  revocation?: { inForce: RevocationInForce; peerHolds: readonly string[] },
): Promise<{ wire: Wire<T>; content: PResContent | InqResContent }> {
  const content = {
    type,
    date: (now ?? new Date()).toISOString(),
    rrpid: answers.rrpid,
    transIds: answers.transIds,
    challC: answers.challC,
    ...outcome,
  } as PResContent | InqResContent;
  const wire = await signedMessage(type, content, merchant);
  return {
    wire: revocation ? withRevocationInfo(wire, revocation.peerHolds, revocation.inForce) : wire,
    content,
  };
}

/**
 * Merchant side: the PRes answering a verified PReq (`answers` = its OIData). `revocation` names
 * the BrandCRLIdentifier and CRLs in force and what the wallet holds (its PInitReq thumbs plus
 * what PInitRes carried): they are attached when the wallet lacks them (SET-PROFILE §6).
 */
export async function buildPRes(p: {
  answers: Answerable;
  outcome: PurchaseOutcome;
  merchant: Signer & { chain: ParsedCertificate[] };
  revocation?: { inForce: RevocationInForce; peerHolds: readonly string[] };
  now?: Date;
}) {
  return (await buildOutcome('PRes', p.answers, p.outcome, p.merchant, p.now, p.revocation)) as {
    wire: Wire<'PRes'>;
    content: PResContent;
  };
}

async function verifyOutcome<T extends 'PRes' | 'InqRes'>(
  input: string | Uint8Array,
  type: T,
  answers: Answerable,
  merchantThumbprint: Uint8Array,
  ctx: VerifyContext,
): Promise<{ content: PResContent | InqResContent; merchant: ValidatedPath }> {
  const schema = type === 'PRes' ? PResContent : InqResContent;
  const { content, path } = await receiveSigned(
    input,
    type,
    schema,
    ctx,
    { types: ['merchant'], keyRole: 'signature' },
    { signer: merchantThumbprint },
  );
  if (content.rrpid !== answers.rrpid) fail('unknownRRPID', `${type} answers another request (RRPID)`);
  if (content.transIds.xid !== answers.transIds.xid)
    fail('unknownXID', `${type} names another transaction (XID)`);
  if (content.challC !== answers.challC) fail('challengeMismatch', `${type} does not echo our Chall-C`);
  return { content, merchant: path };
}

/** Wallet side: verifies the PRes answering the PReq it sent. */
export async function verifyPRes(
  input: string | Uint8Array,
  answers: Answerable,
  merchantThumbprint: Uint8Array,
  ctx: VerifyContext,
): Promise<{ content: PResContent; merchant: ValidatedPath }> {
  return (await verifyOutcome(input, 'PRes', answers, merchantThumbprint, ctx)) as {
    content: PResContent;
    merchant: ValidatedPath;
  };
}

/**
 * Wallet side: an inquiry about an XID. Signed when the wallet has a cardholder certificate;
 * `paidWith` is the certificate that paid when the card has been renewed since (carried, and
 * named in the content).
 */
export async function buildInqReq(p: {
  transIds: InqReqContent['transIds'];
  cardholder?: Signer & { chain: ParsedCertificate[] };
  paidWith?: ParsedCertificate;
  now?: Date;
}): Promise<{ wire: Wire<'InqReq'>; content: InqReqContent }> {
  const content: InqReqContent = {
    type: 'InqReq',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    transIds: p.transIds,
    challC: b64u(randomNonce()),
    ...(p.cardholder && p.paidWith ? { paidWith: b64u(p.paidWith.thumbprint) } : {}),
  };
  const wire = p.cardholder
    ? await signedMessage('InqReq', content, p.cardholder, { chains: p.paidWith ? [[p.paidWith]] : [] })
    : makeWire('InqReq', headerFor(content), plainBody(content));
  return { wire, content };
}

/**
 * Merchant side. A signed inquiry is verified against the cardholder chain; `cardholderOf`
 * returns the thumbprint of the certificate that paid for this XID, so that only the payer can
 * ask (unsigned purchases take unsigned inquiries).
 */
export async function verifyInqReq(
  input: string | Uint8Array,
  ctx: VerifyContext,
): Promise<{ content: InqReqContent; cardholder?: ValidatedPath; paidWith?: ParsedCertificate }> {
  const wire = decodeWireOf(input, 'InqReq');
  if ('sig' in wire.body) {
    const { content, path } = await receiveSignedBody(wire, InqReqContent, ctx, {
      types: ['cardholder'],
      keyRole: 'signature',
    });
    if (content.paidWith === undefined) return { content, cardholder: path };
    return { content, cardholder: path, paidWith: renewedFrom(wire, content.paidWith, path) };
  }
  const content = receivePlainBody(wire, InqReqContent, ctx.clock);
  if (content.paidWith !== undefined) fail('signatureRequired', 'an InqReq naming paidWith must be signed');
  return { content };
}

/**
 * The certificate a renewed card paid with, as the InqReq carries it: a cardholder signature
 * certificate naming the signer's unique cardholder ID, issued by the signer's CCA (same issuer
 * name and key). It need not be valid any more; the merchant compares its thumbprint with the one
 * it recorded when it verified that certificate at payment.
 */
function renewedFrom(wire: Wire, paidWith: string, signer: ValidatedPath): ParsedCertificate {
  const carried = (wire.certs ?? []).map((c) => parseCertificate(fromB64u(c, 'certs')));
  const paid = carried.find((c) => b64u(c.thumbprint) === paidWith);
  if (!paid) fail('missingCertificate', 'InqReq names a paidWith certificate it does not carry');
  const now = signer.chain[0]!;
  const sameId =
    paid.uniqueCardholderId !== undefined &&
    now.uniqueCardholderId !== undefined &&
    constantTimeEqual(paid.uniqueCardholderId, now.uniqueCardholderId);
  const sameCa =
    paid.issuerDn === now.issuerDn &&
    paid.authorityKeyId !== undefined &&
    now.authorityKeyId !== undefined &&
    constantTimeEqual(paid.authorityKeyId, now.authorityKeyId);
  if (paid.certificateType !== 'cardholder' || paid.keyRole !== 'signature' || !sameId || !sameCa) {
    fail('invalidCertificate', 'the paidWith certificate is not an earlier certificate of the signing card');
  }
  return paid;
}

/** Merchant side. */
export async function buildInqRes(p: {
  req: InqReqContent;
  outcome: PurchaseOutcome;
  merchant: Signer & { chain: ParsedCertificate[] };
  now?: Date;
}) {
  return (await buildOutcome('InqRes', p.req, p.outcome, p.merchant, p.now)) as {
    wire: Wire<'InqRes'>;
    content: InqResContent;
  };
}

/** Wallet side. */
export async function verifyInqRes(
  input: string | Uint8Array,
  req: InqReqContent,
  merchantThumbprint: Uint8Array,
  ctx: VerifyContext,
): Promise<{ content: InqResContent; merchant: ValidatedPath }> {
  return (await verifyOutcome(input, 'InqRes', req, merchantThumbprint, ctx)) as {
    content: InqResContent;
    merchant: ValidatedPath;
  };
}

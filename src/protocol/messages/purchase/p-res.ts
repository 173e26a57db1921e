/**
 * PRes and InqReq → InqRes (SET Book 2 "Purchase response", "Order inquiry"; SET-PROFILE §4
 * Purchase 9–10). PRes is signed by the merchant, answers the PReq by RRPID and Chall-C, and is
 * the wallet's receipt. InqRes has PRes's form and answers an inquiry about an XID.
 */
import * as v from 'valibot';
import { b64u, constantTimeEqualB64 } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import type { ParsedCertificate, ValidatedPath } from '../../pki/types.ts';
import { randomNonce } from '../../primitives/hash.ts';
import { Amount, DeclineReason, Nonce, parseWith, Timestamp, TransIds } from '../fields.ts';
import { checkHeader, headerFor } from '../header.ts';
import { SealedBody } from '../sealed.ts';
import {
  PlainBody,
  parsePlain,
  plainBody,
  SignedBody,
  type Signer,
  signContent,
  verifySigned,
} from '../signed.ts';
import { carriedCerts, type VerifyContext } from '../trust.ts';
import { checkDate, decodeWireOf, makeWire, type Wire } from '../wire.ts';

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
};
export const PResContent = v.strictObject({ type: v.literal('PRes'), ...PResFields });
export const InqResContent = v.strictObject({ type: v.literal('InqRes'), ...PResFields });
export type PResContent = v.InferOutput<typeof PResContent>;
export type InqResContent = v.InferOutput<typeof InqResContent>;
export type PurchaseOutcome = Omit<PResContent, 'type' | 'date' | 'rrpid' | 'transIds' | 'challC'>;

export const InqReqContent = v.strictObject({
  type: v.literal('InqReq'),
  date: Timestamp,
  rrpid: Nonce,
  transIds: TransIds,
  challC: Nonce,
});
export type InqReqContent = v.InferOutput<typeof InqReqContent>;

/** What a PRes or InqRes must answer. */
export interface Answerable {
  rrpid: string;
  transIds: PResContent['transIds'];
  challC: string;
}

function buildOutcome<T extends 'PRes' | 'InqRes'>(
  type: T,
  answers: Answerable,
  outcome: PurchaseOutcome,
  merchant: Signer & { chain: ParsedCertificate[] },
  now: Date | undefined,
  peerThumbs: string[] = [],
): { wire: Wire<T>; content: PResContent | InqResContent } {
  const content = {
    type,
    date: (now ?? new Date()).toISOString(),
    rrpid: answers.rrpid,
    transIds: answers.transIds,
    challC: answers.challC,
    ...outcome,
  } as PResContent | InqResContent;
  const wire = makeWire(type, headerFor(content), signContent(content, merchant), {
    certs: carriedCerts([merchant.chain], peerThumbs),
  });
  return { wire, content };
}

/** Merchant side: the PRes answering a verified PReq (`answers` = its OIData). */
export function buildPRes(p: {
  answers: Answerable;
  outcome: PurchaseOutcome;
  merchant: Signer & { chain: ParsedCertificate[] };
  now?: Date;
}) {
  return buildOutcome('PRes', p.answers, p.outcome, p.merchant, p.now) as {
    wire: Wire<'PRes'>;
    content: PResContent;
  };
}

function verifyOutcome<T extends 'PRes' | 'InqRes'>(
  input: string | Uint8Array,
  type: T,
  answers: Answerable,
  merchantThumbprint: Uint8Array,
  ctx: VerifyContext,
): { content: PResContent | InqResContent; merchant: ValidatedPath } {
  const wire = decodeWireOf(input, type);
  const body = parseWith(SignedBody, wire.body, `${type}.body`);
  ctx.trust.addEncoded(wire.certs);
  if (!constantTimeEqualB64(body.signer, b64u(merchantThumbprint))) {
    fail('invalidCertificate', `${type} is signed by another certificate than the merchant's in PInitRes`);
  }
  const schema = type === 'PRes' ? PResContent : InqResContent;
  const { content, path } = verifySigned(
    body,
    schema,
    type,
    ctx.trust,
    { types: ['merchant'], keyRole: 'signature' },
    ctx.clock,
  );
  checkHeader(wire, content);
  if (content.rrpid !== answers.rrpid) fail('unknownRRPID', `${type} answers another request (RRPID)`);
  if (content.transIds.xid !== answers.transIds.xid)
    fail('unknownXID', `${type} names another transaction (XID)`);
  if (content.challC !== answers.challC) fail('challengeMismatch', `${type} does not echo our Chall-C`);
  checkDate(content.date, ctx.clock, type);
  return { content, merchant: path };
}

/** Wallet side: verifies the PRes answering the PReq it sent. */
export function verifyPRes(
  input: string | Uint8Array,
  answers: Answerable,
  merchantThumbprint: Uint8Array,
  ctx: VerifyContext,
): { content: PResContent; merchant: ValidatedPath } {
  return verifyOutcome(input, 'PRes', answers, merchantThumbprint, ctx) as {
    content: PResContent;
    merchant: ValidatedPath;
  };
}

/** Wallet side: an inquiry about an XID. Signed when the wallet has a cardholder certificate. */
export function buildInqReq(p: {
  transIds: InqReqContent['transIds'];
  cardholder?: Signer & { chain: ParsedCertificate[] };
  now?: Date;
}): { wire: Wire<'InqReq'>; content: InqReqContent } {
  const content: InqReqContent = {
    type: 'InqReq',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    transIds: p.transIds,
    challC: b64u(randomNonce()),
  };
  const wire = p.cardholder
    ? makeWire('InqReq', headerFor(content), signContent(content, p.cardholder), {
        certs: carriedCerts([p.cardholder.chain]),
      })
    : makeWire('InqReq', headerFor(content), plainBody(content));
  return { wire, content };
}

/**
 * Merchant side. A signed inquiry is verified against the cardholder chain; `cardholderOf`
 * returns the thumbprint of the certificate that paid for this XID, so that only the payer can
 * ask (unsigned purchases take unsigned inquiries).
 */
export function verifyInqReq(
  input: string | Uint8Array,
  ctx: VerifyContext,
): { content: InqReqContent; cardholder?: ValidatedPath } {
  const wire = decodeWireOf(input, 'InqReq');
  if ('sig' in wire.body) {
    const body = parseWith(SignedBody, wire.body, 'InqReq.body');
    ctx.trust.addEncoded(wire.certs);
    const { content, path } = verifySigned(
      body,
      InqReqContent,
      'InqReq',
      ctx.trust,
      { types: ['cardholder'], keyRole: 'signature' },
      ctx.clock,
    );
    checkHeader(wire, content);
    checkDate(content.date, ctx.clock, 'InqReq');
    return { content, cardholder: path };
  }
  const { content } = parsePlain(
    parseWith(PlainBody, wire.body, 'InqReq.body').content,
    InqReqContent,
    'InqReq',
  );
  checkHeader(wire, content);
  checkDate(content.date, ctx.clock, 'InqReq');
  return { content };
}

/** Merchant side. */
export function buildInqRes(p: {
  req: InqReqContent;
  outcome: PurchaseOutcome;
  merchant: Signer & { chain: ParsedCertificate[] };
  now?: Date;
}) {
  return buildOutcome('InqRes', p.req, p.outcome, p.merchant, p.now) as {
    wire: Wire<'InqRes'>;
    content: InqResContent;
  };
}

/** Wallet side. */
export function verifyInqRes(
  input: string | Uint8Array,
  req: InqReqContent,
  merchantThumbprint: Uint8Array,
  ctx: VerifyContext,
): { content: InqResContent; merchant: ValidatedPath } {
  return verifyOutcome(input, 'InqRes', req, merchantThumbprint, ctx) as {
    content: InqResContent;
    merchant: ValidatedPath;
  };
}

/**
 * TransListReq → TransListRes (new in SET/2, beside SET Book 2's merchant ↔ gateway messages): a
 * merchant asks the payment gateway for its own transactions, a page at a time, or for one by
 * XID. Like PCertReq → PCertRes, both are signed and neither is sealed: the merchant signs with its
 * signature certificate, and the gateway answers with what it recorded for *that* enrolled
 * merchant only (its MerchantID and the key of the MCA that certified it, SET-PROFILE §6); another
 * merchant's XID is answered exactly like one that does not exist (unknownXID).
 *
 * The page is in the gateway's order, newest first by (createdAt, XID); `nextCursor` is opaque to
 * the merchant and names where the next page starts, so rows inserted meanwhile never shift a page
 * (no duplicate, no gap among the rows that were there).
 *
 * The merchant checks: the gateway's chain and signature, the echoed RRPID and XID, the dates.
 */
import * as v from 'valibot';
import { b64u } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import type { ValidatedPath } from '../../pki/types.ts';
import { randomNonce } from '../../primitives/hash.ts';
import { Amount, BrandId, Label, Nonce, Text, Timestamp } from '../fields.ts';
import { receiveSigned } from '../receive.ts';
import { signedMessage } from '../signed-message.ts';
import type { VerifyContext } from '../trust.ts';
import type { Wire, WireInput } from '../wire.ts';
import { gatewaySignature, merchantSignature, type SignedSender } from './exchange.ts';

/** Where an authorization stands in the gateway's ledger. */
export const TRANSACTION_STATES = ['authorized', 'captured', 'refunded', 'declined', 'reversed'] as const;
export type TransactionState = (typeof TRANSACTION_STATES)[number];

/** The most transactions one TransListRes carries (it must fit SignedData's 48 KiB). */
export const MAX_TRANS_LIST_LIMIT = 50;
export const DEFAULT_TRANS_LIST_LIMIT = 20;
/** The events a TransListRes for one XID carries at most, newest kept. */
export const MAX_TRANS_EVENTS = 100;
/** An opaque cursor is at most this many characters. */
export const MAX_CURSOR_LENGTH = 256;

const Cursor = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(MAX_CURSOR_LENGTH),
  v.regex(/^[A-Za-z0-9_-]*$/, 'must be base64url'),
);
const Currency = v.pipe(v.string(), v.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'));

export const TransListFilter = v.strictObject({
  state: v.optional(v.picklist(TRANSACTION_STATES)),
  /** createdAt ≥ from */
  from: v.optional(Timestamp),
  /** createdAt < until */
  until: v.optional(Timestamp),
  /** The merchant's order label (LID-M) the purchase named. */
  lidM: v.optional(Label),
  currency: v.optional(Currency),
});
export type TransListFilter = v.InferOutput<typeof TransListFilter>;

export const TransListReqContent = v.pipe(
  v.strictObject({
    type: v.literal('TransListReq'),
    date: Timestamp,
    rrpid: Nonce,
    brandId: BrandId,
    /** One transaction by XID; with it, no filter, limit or cursor. */
    xid: v.optional(Nonce),
    filter: v.optional(TransListFilter),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_TRANS_LIST_LIMIT))),
    cursor: v.optional(Cursor),
  }),
  v.check(
    (c) => c.xid === undefined || (c.filter === undefined && c.limit === undefined && c.cursor === undefined),
    'a TransListReq for one XID takes no filter, limit or cursor',
  ),
  v.check(
    (c) => !c.filter?.from || !c.filter.until || Date.parse(c.filter.from) < Date.parse(c.filter.until),
    'filter.from must be before filter.until',
  ),
);
export type TransListReqContent = v.InferOutput<typeof TransListReqContent>;

const Minor = v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(1e15));

/** A capture, refund or reversal, by the merchant or the gateway's operator. */
export const TransEvent = v.strictObject({
  kind: v.picklist(['capture', 'captureReversal', 'authorizationReversal', 'credit', 'creditReversal']),
  source: v.picklist(['merchant', 'operator']),
  outcome: v.picklist(['accepted', 'rejected']),
  reason: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z]{1,40}$/))),
  amount: Amount,
  idempotencyKey: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._:-]{1,64}$/))),
  at: Timestamp,
});
export type TransEvent = v.InferOutput<typeof TransEvent>;

/** One authorization as the gateway's ledger holds it. Amounts in `amount`'s currency and exponent. */
export const TransRecord = v.strictObject({
  xid: Nonce,
  /** Absent for transactions recorded before the gateway kept it. */
  lidM: v.optional(Label),
  state: v.picklist(TRANSACTION_STATES),
  result: v.picklist(['approved', 'declined']),
  authCode: v.optional(v.pipe(v.string(), v.regex(/^[A-Z0-9]{6}$/))),
  declineReason: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z]{1,40}$/))),
  /** What the AuthReq asked for. */
  amount: Amount,
  authorized: Minor,
  captured: Minor,
  refunded: Minor,
  captureNow: v.boolean(),
  brandId: BrandId,
  panLast4: v.pipe(v.string(), v.regex(/^\d{4}$/)),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** Only in the answer for one XID, oldest first (the newest MAX_TRANS_EVENTS). */
  events: v.optional(v.pipe(v.array(TransEvent), v.maxLength(MAX_TRANS_EVENTS))),
  eventsTruncated: v.optional(v.literal(true)),
});
export type TransRecord = v.InferOutput<typeof TransRecord>;

export const TransListResContent = v.strictObject({
  type: v.literal('TransListRes'),
  date: Timestamp,
  rrpid: Nonce,
  xid: v.optional(Nonce),
  transactions: v.pipe(v.array(TransRecord), v.maxLength(MAX_TRANS_LIST_LIMIT)),
  /** Where the next page starts; absent on the last page. */
  nextCursor: v.optional(Cursor),
  /** The gateway's own text for a person (e.g. a truncated event list). */
  note: v.optional(Text(200)),
});
export type TransListResContent = v.InferOutput<typeof TransListResContent>;

/** Merchant side. */
export async function buildTransListReq(p: {
  merchant: SignedSender;
  brandId: string;
  xid?: string;
  filter?: TransListFilter;
  limit?: number;
  cursor?: string;
  now?: Date;
}): Promise<{ wire: Wire<'TransListReq'>; content: TransListReqContent }> {
  const filter = p.filter && Object.keys(p.filter).length ? p.filter : undefined;
  const content: TransListReqContent = {
    type: 'TransListReq',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    brandId: p.brandId,
    ...(p.xid !== undefined ? { xid: p.xid } : {}),
    ...(filter ? { filter } : {}),
    ...(p.limit !== undefined ? { limit: p.limit } : {}),
    ...(p.cursor !== undefined ? { cursor: p.cursor } : {}),
  };
  const wire = await signedMessage('TransListReq', content, p.merchant);
  return { wire, content };
}

/** Gateway side: a merchant signature certificate of the brand asked for, its signature, the content. */
export async function verifyTransListReq(
  input: WireInput,
  ctx: VerifyContext,
): Promise<{ content: TransListReqContent; merchant: ValidatedPath }> {
  const { content, path } = await receiveSigned(
    input,
    'TransListReq',
    TransListReqContent,
    ctx,
    merchantSignature,
  );
  if (path.brandId !== content.brandId) {
    fail('invalidCertificate', `the merchant is of brand "${path.brandId}", not "${content.brandId}"`);
  }
  return { content, merchant: path };
}

/** Gateway side. */
export async function buildTransListRes(p: {
  req: TransListReqContent;
  signature: SignedSender;
  transactions: TransRecord[];
  nextCursor?: string;
  note?: string;
  now?: Date;
}): Promise<{ wire: Wire<'TransListRes'>; content: TransListResContent }> {
  const content: TransListResContent = {
    type: 'TransListRes',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.req.rrpid,
    ...(p.req.xid !== undefined ? { xid: p.req.xid } : {}),
    transactions: p.transactions,
    ...(p.nextCursor !== undefined ? { nextCursor: p.nextCursor } : {}),
    ...(p.note !== undefined ? { note: p.note } : {}),
  };
  const wire = await signedMessage('TransListRes', content, p.signature);
  return { wire, content };
}

/**
 * Merchant side. `gatewaySubject`, when known (the subject of the gateway certificates the
 * merchant holds), must be the signer's: the answer comes from the gateway the merchant uses.
 */
export async function verifyTransListRes(
  input: WireInput,
  req: TransListReqContent,
  ctx: VerifyContext,
  gatewaySubject?: string,
): Promise<{ content: TransListResContent; gateway: ValidatedPath }> {
  const { content, path } = await receiveSigned(
    input,
    'TransListRes',
    TransListResContent,
    ctx,
    gatewaySignature,
  );
  if (content.rrpid !== req.rrpid) fail('unknownRRPID', 'TransListRes answers another TransListReq (RRPID)');
  if (path.brandId !== req.brandId) {
    fail('invalidCertificate', `the gateway answered for brand "${path.brandId}", not "${req.brandId}"`);
  }
  if (gatewaySubject !== undefined && path.chain[0]!.subjectDn !== gatewaySubject) {
    fail('invalidCertificate', 'TransListRes is signed by another gateway than the one in use');
  }
  if (
    content.xid !== req.xid ||
    (req.xid !== undefined && content.transactions.some((t) => t.xid !== req.xid))
  ) {
    fail('unknownXID', 'TransListRes answers for another XID than the one asked for');
  }
  if (req.xid !== undefined && content.transactions.length !== 1) {
    fail('decodingFailure', 'a TransListRes for one XID carries exactly that transaction');
  }
  return { content, gateway: path };
}

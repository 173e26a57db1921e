/**
 * BatchAdminReq → BatchAdminRes (SET Book 2 "Batch administration"; SET-PROFILE §6 "Batches"):
 * the merchant's reconciliation with its acquirer. Every capture, capture reversal, credit and
 * credit reversal the gateway accepts goes into the merchant's open batch (one is opened
 * implicitly when none is), and the CapRes/CredRes names it (SET 1.0's BatchID and
 * BatchSequenceNum). The merchant opens, closes and lists its batches and asks for one batch's
 * status, its summary (SET's ReturnBatchSummaryInd: counts and totals per kind and currency) and
 * its detail (SET's ReturnTransDetail: the items, a page from a starting point). Closing settles
 * the batch: the gateway fixes its settlement totals and notifies every XID in it.
 *
 * Like TransListReq → TransListRes, both are signed and neither is sealed: the merchant signs
 * with its signature certificate, the gateway answers only for *that* enrolled merchant (its
 * MerchantID and the key of the MCA that certified it); another merchant's BatchID is answered
 * exactly like one that does not exist (status `unknownBatchID`). The outcome of an operation is
 * a business result (SET 1.0's BAStatus), signed in the answer; a SET Error is for technical
 * failures only.
 *
 * Exactly once: an open or close is stored with its answer under the merchant's RRPID, so a retry
 * (same RRPID, same content) gets the very same bytes. A second, different close of a settled
 * batch changes nothing and answers `batchAlreadyClosed` with the batch as it was settled.
 */
import * as v from 'valibot';
import { b64u } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import type { ValidatedPath } from '../../pki/types.ts';
import { randomNonce } from '../../primitives/hash.ts';
import { Amount, BrandId, Label, Nonce, parseWith, Timestamp } from '../fields.ts';
import { receiveSigned } from '../receive.ts';
import { signedMessage } from '../signed-message.ts';
import type { VerifyContext } from '../trust.ts';
import type { Wire, WireInput } from '../wire.ts';
import { gatewaySignature, merchantSignature, type SignedSender } from './exchange.ts';

/** SET 1.0 BatchOperation (open, close) plus the status query and the list SET/2 adds. */
export const BATCH_OPERATIONS = ['open', 'close', 'status', 'list'] as const;
export type BatchOperation = (typeof BATCH_OPERATIONS)[number];

/** SET 1.0 BAStatus, as SET/2 uses it. */
export const BATCH_STATUSES = [
  'success',
  'unknownBatchID',
  'batchAlreadyOpen',
  'batchAlreadyClosed',
] as const;
export type BatchAdminStatus = (typeof BATCH_STATUSES)[number];

export const BATCH_STATES = ['open', 'settled'] as const;
export type BatchState = (typeof BATCH_STATES)[number];

/** What goes into a batch: the money-moving follow-ups (an authorization reversal moves none). */
export const BATCH_ITEM_KINDS = ['capture', 'captureReversal', 'credit', 'creditReversal'] as const;
export type BatchItemKind = (typeof BATCH_ITEM_KINDS)[number];

/** The most items one BatchAdminRes details (it must fit SignedData's 48 KiB). */
export const MAX_BATCH_DETAIL = 50;
export const DEFAULT_BATCH_DETAIL = 20;
/** The most batches one list answer carries. */
export const MAX_BATCH_LIST = 50;
export const DEFAULT_BATCH_LIST = 20;
/** Currencies × kinds a summary or settlement may hold. */
const MAX_TOTALS = 64;

/** SET 1.0 BatchID: an INTEGER the gateway assigns, unique at that gateway. */
export const BatchId = v.pipe(v.number(), v.safeInteger(), v.minValue(1));
/** SET 1.0 BatchSequenceNum: 1, 2, 3… within one batch. */
export const BatchSequenceNum = v.pipe(v.number(), v.safeInteger(), v.minValue(1));

const Count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const Minor = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
/** May be negative: more paid back to cardholders than captured. */
const SignedMinor = v.pipe(v.number(), v.safeInteger());
const Currency = v.pipe(v.string(), v.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'));
const Exponent = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4));

export const BatchAdminReqContent = v.pipe(
  v.strictObject({
    type: v.literal('BatchAdminReq'),
    date: Timestamp,
    rrpid: Nonce,
    brandId: BrandId,
    operation: v.picklist(BATCH_OPERATIONS),
    /** close and status: the batch; open and list: absent. */
    batchId: v.optional(BatchId),
    /** SET 1.0 ReturnBatchSummaryInd (close and status). */
    summary: v.optional(v.literal(true)),
    /** SET 1.0 ReturnTransDetail (close and status): `max` items from the `start`-th (0-based). */
    detail: v.optional(
      v.strictObject({
        start: v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(1_000_000_000)),
        max: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_BATCH_DETAIL)),
      }),
    ),
    /** list: newest first; `before` is a page's `nextBefore`. */
    list: v.optional(
      v.strictObject({
        state: v.optional(v.picklist(BATCH_STATES)),
        limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_BATCH_LIST))),
        before: v.optional(BatchId),
      }),
    ),
  }),
  v.check(
    (c) => (c.operation === 'close' || c.operation === 'status') === (c.batchId !== undefined),
    'close and status name a batchId; open and list do not',
  ),
  v.check(
    (c) => c.operation === 'close' || c.operation === 'status' || (!c.summary && !c.detail),
    'summary and detail go with close or status',
  ),
  v.check((c) => c.operation === 'list' || c.list === undefined, 'list options go with the list operation'),
);
export type BatchAdminReqContent = v.InferOutput<typeof BatchAdminReqContent>;

/** SET 1.0 BatchStatus: when the batch opened and settled, how many items, what settled. */
export const BatchStatusRecord = v.strictObject({
  batchId: BatchId,
  state: v.picklist(BATCH_STATES),
  /** `merchant`: by a BatchAdminReq open; `gateway`: implicitly, for a follow-up. */
  openedBy: v.picklist(['merchant', 'gateway']),
  openedAt: Timestamp,
  settledAt: v.optional(Timestamp),
  itemCount: Count,
  /** Set when settled: per currency, what the acquirer pays the merchant (net may be negative). */
  settlement: v.optional(
    v.pipe(
      v.array(
        v.strictObject({
          currency: Currency,
          exponent: Exponent,
          /** Captures less capture reversals. */
          captured: SignedMinor,
          /** Credits less credit reversals. */
          credited: SignedMinor,
          /** captured − credited. */
          net: SignedMinor,
        }),
      ),
      v.maxLength(MAX_TOTALS),
    ),
  ),
});
export type BatchStatusRecord = v.InferOutput<typeof BatchStatusRecord>;

/** One line of a batch summary (SET 1.0 BatchTotals): count and total per kind and currency. */
export const BatchTotal = v.strictObject({
  kind: v.picklist(BATCH_ITEM_KINDS),
  currency: Currency,
  exponent: Exponent,
  count: Count,
  total: Minor,
});
export type BatchTotal = v.InferOutput<typeof BatchTotal>;

/** One item of a batch (SET 1.0 TransactionDetail). */
export const BatchItem = v.strictObject({
  seq: BatchSequenceNum,
  xid: Nonce,
  lidM: v.optional(Label),
  kind: v.picklist(BATCH_ITEM_KINDS),
  source: v.picklist(['merchant', 'operator']),
  amount: Amount,
  at: Timestamp,
});
export type BatchItem = v.InferOutput<typeof BatchItem>;

export const BatchAdminResContent = v.strictObject({
  type: v.literal('BatchAdminRes'),
  date: Timestamp,
  rrpid: Nonce,
  brandId: BrandId,
  operation: v.picklist(BATCH_OPERATIONS),
  status: v.picklist(BATCH_STATUSES),
  /** The batch the answer is about: the one asked for, or the one opened; absent for list. */
  batchId: v.optional(BatchId),
  batch: v.optional(BatchStatusRecord),
  summary: v.optional(v.pipe(v.array(BatchTotal), v.maxLength(MAX_TOTALS))),
  detail: v.optional(
    v.strictObject({
      items: v.pipe(v.array(BatchItem), v.maxLength(MAX_BATCH_DETAIL)),
      /** Where the next page starts; absent on the last. */
      nextStart: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1))),
    }),
  ),
  batches: v.optional(v.pipe(v.array(BatchStatusRecord), v.maxLength(MAX_BATCH_LIST))),
  /** list: pass as `before` for the next page; absent on the last. */
  nextBefore: v.optional(BatchId),
});
export type BatchAdminResContent = v.InferOutput<typeof BatchAdminResContent>;

export type BatchAdminQuery = Pick<
  BatchAdminReqContent,
  'operation' | 'batchId' | 'summary' | 'detail' | 'list'
>;

/** Merchant side. Refuses (decodingFailure, the field named) what the gateway would refuse. */
export async function buildBatchAdminReq(
  p: BatchAdminQuery & { merchant: SignedSender; brandId: string; now?: Date },
): Promise<{ wire: Wire<'BatchAdminReq'>; content: BatchAdminReqContent }> {
  const content = parseWith(
    BatchAdminReqContent,
    {
      type: 'BatchAdminReq',
      date: (p.now ?? new Date()).toISOString(),
      rrpid: b64u(randomNonce()),
      brandId: p.brandId,
      operation: p.operation,
      ...(p.batchId !== undefined ? { batchId: p.batchId } : {}),
      ...(p.summary ? { summary: true } : {}),
      ...(p.detail !== undefined ? { detail: p.detail } : {}),
      ...(p.list !== undefined && Object.keys(p.list).length ? { list: p.list } : {}),
    },
    'BatchAdminReq',
  );
  const wire = await signedMessage('BatchAdminReq', content, p.merchant);
  return { wire, content };
}

/** Gateway side: a merchant signature certificate of the brand named, its signature, the content. */
export async function verifyBatchAdminReq(
  input: WireInput,
  ctx: VerifyContext,
): Promise<{ content: BatchAdminReqContent; merchant: ValidatedPath }> {
  const { content, path } = await receiveSigned(
    input,
    'BatchAdminReq',
    BatchAdminReqContent,
    ctx,
    merchantSignature,
  );
  if (path.brandId !== content.brandId) {
    fail('invalidCertificate', `the merchant is of brand "${path.brandId}", not "${content.brandId}"`);
  }
  return { content, merchant: path };
}

export type BatchAdminAnswer = Omit<
  BatchAdminResContent,
  'type' | 'date' | 'rrpid' | 'brandId' | 'operation'
>;

/** Gateway side. */
export async function buildBatchAdminRes(p: {
  req: BatchAdminReqContent;
  signature: SignedSender;
  answer: BatchAdminAnswer;
  now?: Date;
}): Promise<{ wire: Wire<'BatchAdminRes'>; content: BatchAdminResContent }> {
  const content = parseWith(
    BatchAdminResContent,
    {
      type: 'BatchAdminRes',
      date: (p.now ?? new Date()).toISOString(),
      rrpid: p.req.rrpid,
      brandId: p.req.brandId,
      operation: p.req.operation,
      ...p.answer,
    },
    'BatchAdminRes',
  );
  const wire = await signedMessage('BatchAdminRes', content, p.signature);
  return { wire, content };
}

/**
 * Merchant side: signed by a gateway signature certificate of our brand (and, when
 * `gatewaySubject` is given, by the gateway in use), answering this request: RRPID, operation,
 * and the batch asked for.
 */
export async function verifyBatchAdminRes(
  input: WireInput,
  req: BatchAdminReqContent,
  ctx: VerifyContext,
  gatewaySubject?: string,
): Promise<{ content: BatchAdminResContent; gateway: ValidatedPath }> {
  const { content, path } = await receiveSigned(
    input,
    'BatchAdminRes',
    BatchAdminResContent,
    ctx,
    gatewaySignature,
  );
  if (content.rrpid !== req.rrpid)
    fail('unknownRRPID', 'BatchAdminRes answers another BatchAdminReq (RRPID)');
  if (path.brandId !== req.brandId || content.brandId !== req.brandId) {
    fail('invalidCertificate', `the gateway answered for brand "${path.brandId}", not "${req.brandId}"`);
  }
  if (gatewaySubject !== undefined && path.chain[0]!.subjectDn !== gatewaySubject) {
    fail('invalidCertificate', 'BatchAdminRes is signed by another gateway than the one in use');
  }
  if (content.operation !== req.operation) {
    fail('unknownRRPID', `BatchAdminRes answers a ${content.operation}, not the ${req.operation} asked for`);
  }
  if (req.batchId !== undefined) {
    const named = [content.batchId, content.batch?.batchId].filter((b) => b !== undefined);
    if (content.batchId !== req.batchId || named.some((b) => b !== req.batchId)) {
      fail('unknownRRPID', 'BatchAdminRes answers for another batch than the one asked for');
    }
  }
  if (content.status === 'success' && req.operation !== 'list' && content.batch === undefined) {
    fail('decodingFailure', 'a successful BatchAdminRes for one batch carries its status');
  }
  return { content, gateway: path };
}

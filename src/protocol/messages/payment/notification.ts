/**
 * Notifications (SET-PROFILE §6, new in SET/2): the gateway tells the merchant of every change to
 * its transactions by POSTing a signed `Notification` to a URL the merchant registered.
 *
 * NotifyRegReq → NotifyRegRes registers that URL, shaped like PCertReq → PCertRes: signed both
 * ways, not sealed (a URL is not secret). The merchant signs with its signature certificate, so
 * the registration is bound to the merchant identity the gateway already uses for follow-ups
 * (MerchantID and the key of the MCA that certified it); the gateway names the MerchantID and
 * URL it registered in its signed answer.
 *
 * A Notification carries one event: a unique id, a sequence number per XID (1, 2, 3… with no
 * gaps), the kind of change, and the transaction's state after it. Each delivery attempt is a
 * freshly signed message (a new date and RRPID) around the same event, so the receiver's date
 * window holds however late a retry comes. No shared secret: the receiver checks the signature
 * chain to its roots, that the signer is a gateway signature certificate of its brand, and that
 * the MerchantID is its own.
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
import { BatchId } from './batch-admin.ts';
import { gatewaySignature, merchantSignature, type SignedSender } from './exchange.ts';
import { TRANSACTION_STATES } from './trans-list.ts';

/** The longest notification URL either side accepts. */
export const MAX_NOTIFY_URL_LENGTH = 2048;

/** An absolute http(s) URL without credentials or fragment, at most 2048 characters. */
export const NotifyUrl = v.pipe(
  v.string(),
  v.maxLength(MAX_NOTIFY_URL_LENGTH, `must be at most ${MAX_NOTIFY_URL_LENGTH} characters`),
  v.check(isNotifyUrl, 'must be an absolute http: or https: URL without user, password or fragment'),
);

export function isNotifyUrl(s: string): boolean {
  if (!/^https?:\/\/[\x21-\x7e]+$/i.test(s)) return false;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.hostname !== '' &&
    url.username === '' &&
    url.password === '' &&
    url.hash === '' &&
    !s.includes('#')
  );
}

/** MerchantIDs as the MCA assigns them (certificate MerchantData). */
const MerchantId = v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.regex(/^[\x21-\x7e]+$/));

export const NotifyRegReqContent = v.strictObject({
  type: v.literal('NotifyRegReq'),
  date: Timestamp,
  rrpid: Nonce,
  brandId: BrandId,
  /** Where the gateway POSTs Notifications from now on (replaces any earlier URL). */
  url: NotifyUrl,
});
export type NotifyRegReqContent = v.InferOutput<typeof NotifyRegReqContent>;

export const NotifyRegResContent = v.strictObject({
  type: v.literal('NotifyRegRes'),
  date: Timestamp,
  rrpid: Nonce,
  brandId: BrandId,
  /** The merchant the URL is registered for, as the gateway read it from the request's signer. */
  merchantId: MerchantId,
  url: NotifyUrl,
});
export type NotifyRegResContent = v.InferOutput<typeof NotifyRegResContent>;

/**
 * Kinds of change the gateway reports today. The set is open: a receiver applies the state of an
 * event of a kind it does not know like any other. `batchSettled`: a batch holding this XID's
 * captures or credits settled (the transaction itself is unchanged).
 */
export const NOTIFICATION_KINDS = [
  'authorization',
  'capture',
  'captureReversal',
  'authorizationReversal',
  'credit',
  'creditReversal',
  'batchSettled',
] as const;
export const NotificationKind = v.pipe(v.string(), v.regex(/^[a-z][A-Za-z0-9]{0,39}$/, 'an event kind'));

const MinorUnits = v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(1e15));

/** The transaction at the gateway after the change: the ledger's row, in minor units. */
export const TransactionSnapshot = v.strictObject({
  state: v.picklist(TRANSACTION_STATES),
  currency: v.pipe(v.string(), v.regex(/^[A-Z]{3}$/)),
  exponent: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4)),
  requested: MinorUnits,
  authorized: MinorUnits,
  captured: MinorUnits,
  refunded: MinorUnits,
});
export type TransactionSnapshot = v.InferOutput<typeof TransactionSnapshot>;

/** One event of the gateway's outbox: what the Notification carries, the same on every attempt. */
export const NotificationEvent = v.strictObject({
  /** Unique per event (32 random bytes): the receiver's deduplication key. */
  eventId: Nonce,
  /** 1, 2, 3… per XID, without gaps: a receiver ignores an event older than one it applied. */
  seq: v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(1_000_000)),
  kind: NotificationKind,
  xid: Nonce,
  /** The order (LID-M) the authorization named, when the gateway knows it. */
  lidM: v.optional(Label),
  /** Who made the change: the merchant's own request, or the gateway's operator. */
  source: v.picklist(['merchant', 'operator']),
  /** The amount of the change (for authorization, the amount asked for). */
  amount: Amount,
  transaction: TransactionSnapshot,
  /** When the change was committed to the ledger. */
  madeAt: Timestamp,
  /**
   * `batchSettled` only (batch-admin.ts): the batch that settled and this XID's net in it, in
   * `amount`'s currency (negative: more credited than captured; `amount` is its absolute value).
   */
  batch: v.optional(
    v.strictObject({ batchId: BatchId, net: v.pipe(v.number(), v.safeInteger()), settledAt: Timestamp }),
  ),
});
export type NotificationEvent = v.InferOutput<typeof NotificationEvent>;

export const NotificationContent = v.strictObject({
  type: v.literal('Notification'),
  /** When this attempt was signed (each attempt is signed afresh). */
  date: Timestamp,
  /** New for each attempt. */
  rrpid: Nonce,
  brandId: BrandId,
  merchantId: MerchantId,
  xid: Nonce,
  lidM: v.optional(Label),
  event: NotificationEvent,
});
export type NotificationContent = v.InferOutput<typeof NotificationContent>;

/** Merchant side. */
export async function buildNotifyRegReq(p: {
  merchant: SignedSender;
  brandId: string;
  url: string;
  now?: Date;
}): Promise<{
  wire: Wire<'NotifyRegReq'>;
  content: NotifyRegReqContent;
}> {
  const content = parseWith(
    NotifyRegReqContent,
    {
      type: 'NotifyRegReq',
      date: (p.now ?? new Date()).toISOString(),
      rrpid: b64u(randomNonce()),
      brandId: p.brandId,
      url: p.url,
    },
    'NotifyRegReq',
  );
  const wire = await signedMessage('NotifyRegReq', content, p.merchant);
  return { wire, content };
}

/** Gateway side: a merchant signature certificate of the brand named, then the content. */
export async function verifyNotifyRegReq(
  input: WireInput,
  ctx: VerifyContext,
): Promise<{ content: NotifyRegReqContent; merchant: ValidatedPath }> {
  const { content, path } = await receiveSigned(
    input,
    'NotifyRegReq',
    NotifyRegReqContent,
    ctx,
    merchantSignature,
  );
  if (path.brandId !== content.brandId) {
    fail('invalidCertificate', `the merchant is of brand "${path.brandId}", not "${content.brandId}"`);
  }
  return { content, merchant: path };
}

/** Gateway side. */
export async function buildNotifyRegRes(p: {
  req: NotifyRegReqContent;
  merchantId: string;
  signature: SignedSender;
  now?: Date;
}): Promise<{ wire: Wire<'NotifyRegRes'>; content: NotifyRegResContent }> {
  const content: NotifyRegResContent = {
    type: 'NotifyRegRes',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.req.rrpid,
    brandId: p.req.brandId,
    merchantId: p.merchantId,
    url: p.req.url,
  };
  const wire = await signedMessage('NotifyRegRes', content, p.signature);
  return { wire, content };
}

/** Merchant side: a gateway of our brand registered our URL for our MerchantID. */
export async function verifyNotifyRegRes(
  input: WireInput,
  req: NotifyRegReqContent,
  merchantId: string,
  ctx: VerifyContext,
): Promise<{ content: NotifyRegResContent; gateway: ValidatedPath }> {
  const { content, path } = await receiveSigned(
    input,
    'NotifyRegRes',
    NotifyRegResContent,
    ctx,
    gatewaySignature,
  );
  if (content.rrpid !== req.rrpid) fail('unknownRRPID', 'NotifyRegRes answers another NotifyRegReq (RRPID)');
  if (content.brandId !== req.brandId || path.brandId !== req.brandId) {
    fail('invalidCertificate', `the gateway answered for brand "${path.brandId}", not "${req.brandId}"`);
  }
  if (content.merchantId !== merchantId || content.url !== req.url) {
    fail('unspecifiedFailure', 'the gateway registered another merchant or URL than the one asked for');
  }
  return { content, gateway: path };
}

/** Gateway side: one delivery attempt of `event`, signed now. */
export async function buildNotification(p: {
  event: NotificationEvent;
  merchantId: string;
  brandId: string;
  signature: SignedSender;
  now?: Date;
}): Promise<{ wire: Wire<'Notification'>; content: NotificationContent }> {
  const content: NotificationContent = {
    type: 'Notification',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    brandId: p.brandId,
    merchantId: p.merchantId,
    xid: p.event.xid,
    ...(p.event.lidM !== undefined ? { lidM: p.event.lidM } : {}),
    event: p.event,
  };
  const wire = await signedMessage('Notification', content, p.signature);
  return { wire, content };
}

/**
 * Merchant side: a gateway signature certificate of `brandId` under our roots signed it, for our
 * MerchantID, and the clear header and the event agree with the signed content.
 */
export async function verifyNotification(
  input: WireInput,
  expect: { merchantId: string; brandId: string },
  ctx: VerifyContext,
): Promise<{ content: NotificationContent; gateway: ValidatedPath }> {
  const { content, path } = await receiveSigned(
    input,
    'Notification',
    NotificationContent,
    ctx,
    gatewaySignature,
  );
  if (path.brandId !== expect.brandId || content.brandId !== expect.brandId) {
    fail('invalidCertificate', `the Notification comes from a gateway of brand "${path.brandId}", not ours`);
  }
  if (content.merchantId !== expect.merchantId) {
    fail('unknownXID', 'the Notification is for another merchant (MerchantID)');
  }
  if (content.event.xid !== content.xid || content.event.lidM !== content.lidM) {
    fail('badMessageHeader', 'the Notification names another XID or LID-M than its event');
  }
  return { content, gateway: path };
}

/**
 * TransListReq → TransListRes at the gateway: the per-merchant API. The request must be signed by
 * a merchant signature certificate valid under the gateway's roots and CRLs, for the gateway's
 * brand; the merchant is the identity the gateway binds follow-ups to (MerchantID and issuing MCA
 * key, merchantIdentityOf), and it sees only the authorizations recorded for that identity.
 * Another merchant's XID is unknownXID, exactly like one that does not exist. Nothing is written.
 *
 * The cursor is opaque to the merchant: base64url of the last row's (createdAt, XID) and a digest
 * of the merchant identity and filter it was made for. A cursor made for another merchant or
 * another filter, or not made by a gateway at all, is refused (decodingFailure); a cursor can only
 * ever position a page inside the asking merchant's own rows.
 */
import * as v from 'valibot';
import {
  b64u,
  buildTransListRes,
  DEFAULT_TRANS_LIST_LIMIT,
  encodeWire,
  fail,
  fromB64u,
  jsonBytes,
  MAX_TRANS_EVENTS,
  parseJsonBytes,
  SetError,
  sha256,
  type TransEvent,
  type TransListFilter,
  type TransRecord,
  verifyTransListReq,
  type WireInput,
} from '../protocol/index.ts';
import type { AuthorizationRecord, PaymentEventRecord } from './ledger.ts';
import { merchantIdentityOf } from './merchant-key-exchange.ts';
import type { PaymentContext } from './payment-context.ts';

export async function answerTransListReq(p: PaymentContext, message: WireInput): Promise<string> {
  const ctx = await p.verifyContext();
  const { content: req, merchant } = await verifyTransListReq(message, ctx);
  const identity = merchantIdentityOf(merchant);
  const respond = async (transactions: TransRecord[], extra: { nextCursor?: string; note?: string } = {}) =>
    encodeWire(
      (await buildTransListRes({ req, signature: p.signature, transactions, ...extra, now: p.now() })).wire,
    );

  if (req.xid !== undefined) {
    const auth = await p.ledger.merchantAuthorization(req.xid, identity);
    if (!auth) throw new SetError('unknownXID', 'no authorization with this XID was made for this merchant');
    const { events, truncated } = await p.ledger.latestEventsOf(auth.xid, MAX_TRANS_EVENTS);
    const record: TransRecord = {
      ...transRecordOf(auth),
      events: events.map(transEventOf),
      ...(truncated ? { eventsTruncated: true as const } : {}),
    };
    return await respond(
      [record],
      truncated ? { note: `only the newest ${MAX_TRANS_EVENTS} events of this transaction are listed` } : {},
    );
  }

  const filter = req.filter ?? {};
  const binding = cursorBinding(identity, filter);
  const after = req.cursor === undefined ? undefined : openCursor(req.cursor, binding);
  const limit = req.limit ?? DEFAULT_TRANS_LIST_LIMIT;
  const rows = await p.ledger.merchantPage({
    merchant: identity,
    filter,
    limit,
    ...(after ? { after } : {}),
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? makeCursor({ at: last.createdAt.toISOString(), xid: last.xid }, binding)
      : undefined;
  return await respond(page.map(transRecordOf), nextCursor ? { nextCursor } : {});
}

function transRecordOf(a: AuthorizationRecord): TransRecord {
  return {
    xid: a.xid,
    ...(a.lidM !== undefined ? { lidM: a.lidM } : {}),
    state: a.state,
    result: a.result,
    ...(a.authCode ? { authCode: a.authCode } : {}),
    ...(a.declineReason ? { declineReason: a.declineReason } : {}),
    amount: { currency: a.currency, value: a.requested, exponent: a.exponent },
    authorized: a.balances.authorized,
    captured: a.balances.captured,
    refunded: a.balances.refunded,
    captureNow: a.captureNow,
    brandId: a.brandId,
    panLast4: a.panLast4,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

function transEventOf(e: PaymentEventRecord): TransEvent {
  return {
    kind: e.kind,
    source: e.source,
    outcome: e.outcome,
    ...(e.reason ? { reason: e.reason } : {}),
    amount: e.amount,
    ...(e.idempotencyKey ? { idempotencyKey: e.idempotencyKey } : {}),
    at: e.createdAt.toISOString(),
  };
}

/** What a cursor is made for: this merchant identity and this filter (first 16 bytes of SHA-256). */
function cursorBinding(identity: { merchantId: string; issuer: string }, filter: TransListFilter): string {
  const f = {
    state: filter.state ?? null,
    from: filter.from ?? null,
    until: filter.until ?? null,
    lidM: filter.lidM ?? null,
    currency: filter.currency ?? null,
  };
  return b64u(sha256(jsonBytes({ merchant: identity, filter: f })).slice(0, 16));
}

const CursorContent = v.strictObject({
  v: v.literal(1),
  at: v.pipe(
    v.string(),
    v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    v.check((s) => !Number.isNaN(Date.parse(s))),
  ),
  xid: v.pipe(v.string(), v.length(43), v.regex(/^[A-Za-z0-9_-]*$/)),
  for: v.pipe(v.string(), v.length(22), v.regex(/^[A-Za-z0-9_-]*$/)),
});

function makeCursor(after: { at: string; xid: string }, binding: string): string {
  return b64u(jsonBytes({ v: 1, at: after.at, xid: after.xid, for: binding }));
}

function openCursor(cursor: string, binding: string): { at: string; xid: string } {
  let parsed: v.InferOutput<typeof CursorContent>;
  try {
    parsed = v.parse(CursorContent, parseJsonBytes(fromB64u(cursor, 'cursor'), 512, 'cursor'));
  } catch {
    fail('decodingFailure', 'this cursor was not made by this gateway: list again without a cursor');
  }
  if (parsed.for !== binding) {
    fail(
      'decodingFailure',
      'this cursor belongs to another listing (another merchant or filter): list again without a cursor',
    );
  }
  return { at: parsed.at, xid: parsed.xid };
}

/**
 * The merchant's batches at the gateway (SET Book 2 "Batch administration"; SET-PROFILE §6
 * "Batches"; protocol/messages/payment/batch-admin.ts). Every accepted capture, capture reversal,
 * credit and credit reversal becomes one item of the merchant's open batch, written in the same
 * transaction as the ledger's event (the ledger calls batchSlot and recordBatchItem); closing a
 * batch settles it: the settlement totals are fixed and each XID in it gets a `batchSettled`
 * notification through the outbox, in the same transaction.
 *
 * A merchant is its enrolled identity (MerchantID and the key of the MCA that certified it), as
 * for follow-ups; rows from before gateway/002 have no issuer and go into no batch.
 *
 * Locks, always in this order, so nothing can deadlock: the merchant's row in
 * gateway_batch_merchants (FOR SHARE by whoever adds an item, FOR UPDATE by a close), then an
 * authorization's row, then the batch's row (an item's BatchSequenceNum is taken by incrementing
 * its item_count). A close therefore waits for the items being added and holds new ones back until
 * it has settled, and two closes of one batch run one after the other.
 */
import type {
  BatchAdminReqContent,
  BatchAdminResContent,
  BatchItem,
  BatchItemKind,
  BatchStatusRecord,
  BatchTotal,
} from '../protocol/index.ts';
import type { Database, Row, Sql } from '../storage/index.ts';
import type { FollowUpKind } from './follow-up-rules.ts';
import type { AuthorizationRecord, Ledger, PaymentEventRecord } from './ledger.ts';
import { enqueueNotification } from './notification-outbox.ts';

export interface MerchantIdentity {
  merchantId: string;
  issuer: string;
}

export const BATCHED_KINDS: readonly FollowUpKind[] = [
  'capture',
  'captureReversal',
  'credit',
  'creditReversal',
];
export const isBatched = (kind: FollowUpKind): kind is BatchItemKind => BATCHED_KINDS.includes(kind);

/** The identity an authorization's follow-ups are batched under; none for rows from before gateway/002. */
export function batchIdentityOf(auth: AuthorizationRecord): MerchantIdentity | undefined {
  return auth.merchantIssuer === undefined
    ? undefined
    : { merchantId: auth.merchantId, issuer: auth.merchantIssuer };
}

/**
 * Takes the merchant's batch lock: shared by those adding items, exclusive for a close. Must come
 * before any authorization row lock in the same transaction (see the header).
 */
export async function lockMerchantBatches(
  tx: Sql,
  m: MerchantIdentity,
  mode: 'add' | 'close',
): Promise<void> {
  await tx.query(
    `INSERT INTO gateway_batch_merchants (merchant_id, merchant_issuer) VALUES ($1, $2)
     ON CONFLICT (merchant_id, merchant_issuer) DO NOTHING`,
    [m.merchantId, m.issuer],
  );
  await tx.query(
    `SELECT 1 FROM gateway_batch_merchants WHERE merchant_id = $1 AND merchant_issuer = $2
     ${mode === 'add' ? 'FOR SHARE' : 'FOR UPDATE'}`,
    [m.merchantId, m.issuer],
  );
}

export type BatchSlot = { batchId: number; seq: number };
export type BatchRefusal = { refused: 'unknownBatch' | 'batchClosed' };

/**
 * The place of the next item: the batch the request named (it must be this merchant's and open),
 * or the merchant's open batch, opened now when there is none. Takes the batch's row lock.
 * Call with the merchant's batch lock held (lockMerchantBatches 'add').
 */
export async function batchSlot(
  tx: Sql,
  m: MerchantIdentity,
  named: number | undefined,
  at: Date,
): Promise<BatchSlot | BatchRefusal> {
  let batchId: number;
  if (named !== undefined) {
    const rows = await tx.query(
      'SELECT state FROM gateway_batches WHERE batch_id = $1 AND merchant_id = $2 AND merchant_issuer = $3',
      [named, m.merchantId, m.issuer],
    );
    // Another merchant's batch is reported exactly like one that does not exist.
    if (!rows[0]) return { refused: 'unknownBatch' };
    if (rows[0].state !== 'open') return { refused: 'batchClosed' };
    batchId = named;
  } else {
    batchId = (await openBatchOf(tx, m, 'gateway', at)).batchId;
  }
  const rows = await tx.query(
    `UPDATE gateway_batches SET item_count = item_count + 1
      WHERE batch_id = $1 AND state = 'open' RETURNING item_count`,
    [batchId],
  );
  if (!rows[0]) return { refused: 'batchClosed' };
  return { batchId, seq: Number(rows[0].item_count) };
}

/** Writes the item for an accepted event at its slot (after the event's own row). */
export async function recordBatchItem(tx: Sql, slot: BatchSlot, event: PaymentEventRecord): Promise<void> {
  await tx.query(
    `INSERT INTO gateway_batch_items (batch_id, seq, xid, rrpid, kind, source, currency, exponent, value, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      slot.batchId,
      slot.seq,
      event.xid,
      event.rrpid,
      event.kind,
      event.source,
      event.amount.currency,
      event.amount.exponent,
      event.amount.value,
      event.createdAt.toISOString(),
    ],
  );
}

/** The merchant's open batch, opened (by `who`) when there is none; `opened` says which. */
async function openBatchOf(
  tx: Sql,
  m: MerchantIdentity,
  who: 'merchant' | 'gateway',
  at: Date,
): Promise<{ batchId: number; opened: boolean }> {
  const inserted = await tx.query(
    `INSERT INTO gateway_batches (merchant_id, merchant_issuer, state, opened_by, opened_at)
     VALUES ($1, $2, 'open', $3, $4)
     ON CONFLICT (merchant_id, merchant_issuer) WHERE state = 'open' DO NOTHING
     RETURNING batch_id`,
    [m.merchantId, m.issuer, who, at.toISOString()],
  );
  if (inserted[0]) return { batchId: Number(inserted[0].batch_id), opened: true };
  const open = await tx.query(
    `SELECT batch_id FROM gateway_batches WHERE merchant_id = $1 AND merchant_issuer = $2 AND state = 'open'`,
    [m.merchantId, m.issuer],
  );
  if (!open[0]) throw new Error('an open batch conflicted but cannot be read');
  return { batchId: Number(open[0].batch_id), opened: false };
}

/** A batch as the dashboard and BatchAdminRes show it. */
export interface BatchRecord extends BatchStatusRecord {
  merchantId: string;
  merchantIssuer: string;
}

/** What a BatchAdminRes says beyond its echoes. */
export type BatchAnswer = Omit<BatchAdminResContent, 'type' | 'date' | 'rrpid' | 'brandId' | 'operation'>;

/** Builds and signs the answer inside the transaction, so an open or close is stored with it. */
export type SignAnswer = (answer: BatchAnswer) => Promise<string>;

export interface DashboardBatchFilter {
  state?: 'open' | 'settled';
  merchantId?: string;
  limit?: number;
}

export class Batches {
  constructor(
    private readonly db: Database,
    private readonly ledger: Ledger,
  ) {}

  /**
   * An open or close for merchant `m`, exactly once: the answer is stored under (merchant, RRPID)
   * with the request's digest in the transaction that made the change; the same request again
   * gets the stored bytes, another request under that RRPID is refused (`unknownRRPID`).
   */
  async change(
    m: MerchantIdentity,
    req: BatchAdminReqContent,
    digest: string,
    at: Date,
    sign: SignAnswer,
  ): Promise<{ response: string; replayed: boolean } | { rrpidReused: true }> {
    return this.db.transaction(async (tx) => {
      // Under the lock: two copies of one request arriving at once are one request and its retry.
      await lockMerchantBatches(tx, m, 'close');
      const seen = await tx.query(
        `SELECT request_digest, response FROM gateway_batch_requests
          WHERE merchant_id = $1 AND merchant_issuer = $2 AND rrpid = $3`,
        [m.merchantId, m.issuer, req.rrpid],
      );
      if (seen[0]) {
        if (seen[0].request_digest !== digest) return { rrpidReused: true as const };
        return { response: String(seen[0].response), replayed: true };
      }
      const answer = req.operation === 'open' ? await this.open(tx, m, at) : await this.close(tx, m, req, at);
      const response = await sign(answer);
      await tx.query(
        `INSERT INTO gateway_batch_requests (merchant_id, merchant_issuer, rrpid, request_digest, operation,
           batch_id, response, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          m.merchantId,
          m.issuer,
          req.rrpid,
          digest,
          req.operation,
          answer.batchId ?? null,
          response,
          at.toISOString(),
        ],
      );
      return { response, replayed: false };
    });
  }

  private async open(tx: Sql, m: MerchantIdentity, at: Date): Promise<BatchAnswer> {
    const { batchId, opened } = await openBatchOf(tx, m, 'merchant', at);
    const batch = await this.batchOf(batchId, m, tx);
    return {
      status: opened ? 'success' : 'batchAlreadyOpen',
      batchId,
      ...(batch ? { batch: statusOf(batch) } : {}),
    };
  }

  /** Settles the batch: totals fixed, state settled, one `batchSettled` event per XID in it. */
  private async close(
    tx: Sql,
    m: MerchantIdentity,
    req: BatchAdminReqContent,
    at: Date,
  ): Promise<BatchAnswer> {
    const batchId = req.batchId!;
    const batch = await this.batchOf(batchId, m, tx);
    if (!batch) return { status: 'unknownBatchID', batchId };
    if (batch.state !== 'open') {
      return { status: 'batchAlreadyClosed', batchId, ...(await this.views(batch, req, tx)) };
    }
    const settlement = settlementOf(await this.summaryOf(batchId, tx));
    await tx.query(
      `UPDATE gateway_batches SET state = 'settled', settled_at = $2, settlement = $3 WHERE batch_id = $1`,
      [batchId, at.toISOString(), JSON.stringify(settlement)],
    );
    // Each XID's row lock, in one order (xid), before its outbox row: seq per XID stays gapless.
    const perXid = await tx.query(
      `SELECT xid, currency, exponent,
              sum(CASE WHEN kind IN ('capture', 'creditReversal') THEN value ELSE -value END) AS net
         FROM gateway_batch_items WHERE batch_id = $1
        GROUP BY xid, currency, exponent ORDER BY xid COLLATE "C"`,
      [batchId],
    );
    for (const row of perXid) {
      const xid = String(row.xid);
      await tx.query('SELECT 1 FROM gateway_authorizations WHERE xid = $1 FOR UPDATE', [xid]);
      const auth = await this.ledger.findAuthorization(xid, tx);
      if (!auth) throw new Error(`batch ${batchId} holds XID ${xid}, which the ledger cannot read`);
      const net = Number(row.net);
      await enqueueNotification(tx, auth, {
        kind: 'batchSettled',
        source: 'merchant',
        amount: { currency: String(row.currency), exponent: Number(row.exponent), value: Math.abs(net) },
        at,
        batch: { batchId, net, settledAt: at.toISOString() },
      });
    }
    const settled = await this.batchOf(batchId, m, tx);
    return { status: 'success', batchId, ...(await this.views(settled!, req, tx)) };
  }

  /** status: the batch, and its summary and a page of its detail when asked for. */
  async status(m: MerchantIdentity, req: BatchAdminReqContent): Promise<BatchAnswer> {
    const batchId = req.batchId!;
    const batch = await this.batchOf(batchId, m);
    if (!batch) return { status: 'unknownBatchID', batchId };
    return { status: 'success', batchId, ...(await this.views(batch, req, this.db)) };
  }

  /** list: this merchant's batches, newest first, `limit` of them from before `before`. */
  async list(
    m: MerchantIdentity,
    q: { state?: 'open' | 'settled'; limit: number; before?: number },
  ): Promise<BatchAnswer> {
    const params: unknown[] = [m.merchantId, m.issuer];
    const where = ['merchant_id = $1', 'merchant_issuer = $2'];
    if (q.state) where.push(`state = $${params.push(q.state)}`);
    if (q.before !== undefined) where.push(`batch_id < $${params.push(q.before)}`);
    const rows = await this.db.query(
      `SELECT * FROM gateway_batches WHERE ${where.join(' AND ')} ORDER BY batch_id DESC LIMIT $${params.push(q.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, q.limit).map(batchOfRow);
    const last = page.at(-1);
    return {
      status: 'success',
      batches: page.map(statusOf),
      ...(rows.length > q.limit && last ? { nextBefore: last.batchId } : {}),
    };
  }

  private async views(
    batch: BatchRecord,
    req: Pick<BatchAdminReqContent, 'summary' | 'detail'>,
    sql: Sql,
  ): Promise<Pick<BatchAnswer, 'batch' | 'summary' | 'detail'>> {
    return {
      batch: statusOf(batch),
      ...(req.summary ? { summary: await this.summaryOf(batch.batchId, sql) } : {}),
      ...(req.detail
        ? { detail: await this.detailOf(batch.batchId, req.detail.start, req.detail.max, sql) }
        : {}),
    };
  }

  /** One batch of merchant `m` (another merchant's is undefined), or of anyone without `m` (dashboard). */
  async batchOf(batchId: number, m?: MerchantIdentity, sql: Sql = this.db): Promise<BatchRecord | undefined> {
    const rows = m
      ? await sql.query(
          'SELECT * FROM gateway_batches WHERE batch_id = $1 AND merchant_id = $2 AND merchant_issuer = $3',
          [batchId, m.merchantId, m.issuer],
        )
      : await sql.query('SELECT * FROM gateway_batches WHERE batch_id = $1', [batchId]);
    return rows[0] ? batchOfRow(rows[0]) : undefined;
  }

  /** Count and total per kind and currency (SET 1.0 BatchTotals). */
  async summaryOf(batchId: number, sql: Sql = this.db): Promise<BatchTotal[]> {
    const rows = await sql.query(
      `SELECT kind, currency, exponent, count(*) AS count, sum(value) AS total FROM gateway_batch_items
        WHERE batch_id = $1 GROUP BY kind, currency, exponent ORDER BY currency, exponent, kind`,
      [batchId],
    );
    return rows.map((r) => ({
      kind: String(r.kind) as BatchItemKind,
      currency: String(r.currency),
      exponent: Number(r.exponent),
      count: Number(r.count),
      total: Number(r.total),
    }));
  }

  /** `max` items from the `start`-th, in BatchSequenceNum order, and where the next page starts. */
  async detailOf(
    batchId: number,
    start: number,
    max: number,
    sql: Sql = this.db,
  ): Promise<{ items: BatchItem[]; nextStart?: number }> {
    const rows = await sql.query(
      `SELECT i.*, a.lid_m FROM gateway_batch_items i JOIN gateway_authorizations a ON a.xid = i.xid
        WHERE i.batch_id = $1 ORDER BY i.seq OFFSET $2 LIMIT $3`,
      [batchId, start, max + 1],
    );
    const items = rows.slice(0, max).map(itemOf);
    return { items, ...(rows.length > max ? { nextStart: start + max } : {}) };
  }

  /** The dashboard's list: every merchant's batches, newest first. */
  async listAll(filter: DashboardBatchFilter = {}): Promise<BatchRecord[]> {
    const limit = Number.isSafeInteger(filter.limit) ? Math.min(Math.max(filter.limit!, 1), 1000) : 200;
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.state) where.push(`state = $${params.push(filter.state)}`);
    if (filter.merchantId) where.push(`merchant_id = $${params.push(filter.merchantId)}`);
    const rows = await this.db.query(
      `SELECT * FROM gateway_batches ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY batch_id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map(batchOfRow);
  }

  /** Every item of a batch (the dashboard's batch page), in order. */
  async itemsOf(batchId: number): Promise<BatchItem[]> {
    const rows = await this.db.query(
      `SELECT i.*, a.lid_m FROM gateway_batch_items i JOIN gateway_authorizations a ON a.xid = i.xid
        WHERE i.batch_id = $1 ORDER BY i.seq`,
      [batchId],
    );
    return rows.map(itemOf);
  }
}

/** The settlement of a batch from its summary: per currency, captured − credited. */
export function settlementOf(summary: BatchTotal[]): NonNullable<BatchStatusRecord['settlement']> {
  const by = new Map<string, { currency: string; exponent: number; captured: number; credited: number }>();
  for (const t of summary) {
    const key = `${t.currency}/${t.exponent}`;
    const s = by.get(key) ?? { currency: t.currency, exponent: t.exponent, captured: 0, credited: 0 };
    if (t.kind === 'capture') s.captured += t.total;
    if (t.kind === 'captureReversal') s.captured -= t.total;
    if (t.kind === 'credit') s.credited += t.total;
    if (t.kind === 'creditReversal') s.credited -= t.total;
    by.set(key, s);
  }
  return [...by.values()].map((s) => ({ ...s, net: s.captured - s.credited }));
}

export function statusOf(b: BatchRecord): BatchStatusRecord {
  return {
    batchId: b.batchId,
    state: b.state,
    openedBy: b.openedBy,
    openedAt: b.openedAt,
    ...(b.settledAt !== undefined ? { settledAt: b.settledAt } : {}),
    itemCount: b.itemCount,
    ...(b.settlement !== undefined ? { settlement: b.settlement } : {}),
  };
}

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();

function batchOfRow(r: Row): BatchRecord {
  return {
    batchId: Number(r.batch_id),
    merchantId: String(r.merchant_id),
    merchantIssuer: String(r.merchant_issuer),
    state: String(r.state) as BatchRecord['state'],
    openedBy: String(r.opened_by) as BatchRecord['openedBy'],
    openedAt: iso(r.opened_at),
    ...(r.settled_at ? { settledAt: iso(r.settled_at) } : {}),
    itemCount: Number(r.item_count),
    ...(r.settlement ? { settlement: JSON.parse(String(r.settlement)) as BatchRecord['settlement'] } : {}),
  };
}

function itemOf(r: Row): BatchItem {
  return {
    seq: Number(r.seq),
    xid: String(r.xid),
    ...(r.lid_m ? { lidM: String(r.lid_m) } : {}),
    kind: String(r.kind) as BatchItemKind,
    source: String(r.source) as BatchItem['source'],
    amount: { currency: String(r.currency), exponent: Number(r.exponent), value: Number(r.value) },
    at: iso(r.created_at),
  };
}

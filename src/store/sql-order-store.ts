/**
 * The merchant SDK's OrderStore over the demo store's SQL tables (PGlite or PostgreSQL). Orders
 * are described from store_orders by their id, which is the LID-M; SET transactions live in
 * store_set_transactions keyed by XID. Claims and outcomes are written in transactions under a
 * per-order advisory lock, so two XIDs of one order can never both be authorizing or approved,
 * and the first outcome recorded is the one kept.
 */
import type {
  AuthorizationClaim,
  ClaimResult,
  FollowUpRecord,
  GatewayNotification,
  NotificationApplied,
  OrderDescription,
  OrderStore,
  PendingFollowUp,
  PendingPurchase,
  PurchaseRecord,
  SetTransaction,
  SubsequentAuthorization,
} from '../merchant/index.ts';
import type { Database, Sql } from '../storage/index.ts';

interface TransactionRow {
  [key: string]: unknown;
  xid: string;
  pending: PendingPurchase;
  claim: AuthorizationClaim | null;
  record: PurchaseRecord | null;
  pending_follow_up: PendingFollowUp | null;
  gateway_state: GatewayNotification | null;
}

const TAKEN = `state IN ('authorizing', 'approved')`;
/** Namespace of this store's advisory locks (the second key is the order id's hash). */
const LOCK_NAMESPACE = 0x5e7_5701;

export class SqlOrderStore implements OrderStore {
  constructor(private readonly db: Database) {}

  async describe(lidM: string): Promise<OrderDescription | undefined> {
    const rows = await this.db.query<{
      description: string;
      amount: OrderDescription['amount'];
      install_recur: OrderDescription['installRecurData'] | null;
      authorize_first: OrderDescription['authorizeFirst'] | null;
    }>(
      `SELECT description, amount, install_recur, authorize_first FROM store_orders o
        WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM store_set_transactions t WHERE t.lid_m = o.id AND t.${TAKEN})`,
      [lidM],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      od: row.description,
      amount: row.amount,
      ...(row.install_recur ? { installRecurData: row.install_recur } : {}),
      ...(row.authorize_first ? { authorizeFirst: row.authorize_first } : {}),
    };
  }

  async savePending(p: PendingPurchase): Promise<void> {
    await this.db.query(
      `INSERT INTO store_set_transactions (xid, lid_m, state, pending) VALUES ($1, $2, 'pending', $3::jsonb)`,
      [p.xid, p.lidM, JSON.stringify(p)],
    );
  }

  async find(xid: string): Promise<SetTransaction | undefined> {
    const rows = await this.db.query<TransactionRow>(
      'SELECT xid, pending, claim, record, pending_follow_up, gateway_state FROM store_set_transactions WHERE xid = $1',
      [xid],
    );
    return rows[0] ? this.withFollowUps(this.db, rows[0]) : undefined;
  }

  async transactionsFor(lidM: string): Promise<SetTransaction[]> {
    const rows = await this.db.query<TransactionRow>(
      'SELECT xid, pending, claim, record, pending_follow_up, gateway_state FROM store_set_transactions WHERE lid_m = $1 ORDER BY created_at, xid',
      [lidM],
    );
    return Promise.all(rows.map((r) => this.withFollowUps(this.db, r)));
  }

  async claimAuthorization(xid: string, claim: AuthorizationClaim): Promise<ClaimResult> {
    const lidM = await this.orderOf(xid);
    if (!lidM) return { ok: false, reason: 'unknownXID' };
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACE, lidM]);
      const rows = await tx.query<{ claim: AuthorizationClaim | null }>(
        'SELECT claim FROM store_set_transactions WHERE xid = $1 FOR UPDATE',
        [xid],
      );
      const existing = rows[0]?.claim;
      if (existing) return { ok: true, claim: existing };
      const taken = await tx.query(
        `SELECT 1 FROM store_set_transactions WHERE lid_m = $1 AND xid <> $2 AND ${TAKEN}`,
        [lidM, xid],
      );
      if (taken.length) return { ok: false, reason: 'orderTaken' };
      await tx.query(
        `UPDATE store_set_transactions SET claim = $2::jsonb, state = 'authorizing' WHERE xid = $1`,
        [xid, JSON.stringify(claim)],
      );
      return { ok: true, claim };
    });
  }

  async releaseAuthorization(xid: string, rrpid: string): Promise<void> {
    await this.db.query(
      `UPDATE store_set_transactions SET claim = NULL, state = 'pending'
        WHERE xid = $1 AND claim->>'rrpid' = $2 AND record IS NULL`,
      [xid, rrpid],
    );
  }

  async recordOutcome(xid: string, record: PurchaseRecord): Promise<PurchaseRecord> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ record: PurchaseRecord | null }>(
        'SELECT record FROM store_set_transactions WHERE xid = $1 FOR UPDATE',
        [xid],
      );
      if (!rows[0]) throw new Error(`no SET transaction ${xid}`);
      if (rows[0].record) return rows[0].record;
      const state = record.outcome.result.status === 'approved' ? 'approved' : 'declined';
      await tx.query('UPDATE store_set_transactions SET record = $2::jsonb, state = $3 WHERE xid = $1', [
        xid,
        JSON.stringify(record),
        state,
      ]);
      return record;
    });
  }

  async beginFollowUp(xid: string, pending: PendingFollowUp): Promise<PendingFollowUp> {
    await this.db.query(
      `UPDATE store_set_transactions SET pending_follow_up = $2::jsonb
        WHERE xid = $1 AND pending_follow_up IS NULL`,
      [xid, JSON.stringify(pending)],
    );
    const rows = await this.db.query<{ pending_follow_up: PendingFollowUp | null }>(
      'SELECT pending_follow_up FROM store_set_transactions WHERE xid = $1',
      [xid],
    );
    const stored = rows[0]?.pending_follow_up;
    if (!stored) throw new Error(`no SET transaction ${xid}`);
    return stored;
  }

  async recordFollowUp(xid: string, followUp: FollowUpRecord): Promise<void> {
    const key = followUp.idempotencyKey;
    await this.db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM store_set_transactions WHERE xid = $1 FOR UPDATE', [xid]);
      if (key !== undefined) {
        const seen = await tx.query(
          `SELECT 1 FROM store_set_follow_ups WHERE xid = $1 AND record->>'idempotencyKey' = $2`,
          [xid, key],
        );
        if (seen.length) return;
      }
      await tx.query('INSERT INTO store_set_follow_ups (xid, record) VALUES ($1, $2::jsonb)', [
        xid,
        JSON.stringify(followUp),
      ]);
      if (key !== undefined) {
        await tx.query(
          `UPDATE store_set_transactions SET pending_follow_up = NULL
            WHERE xid = $1 AND pending_follow_up->>'idempotencyKey' = $2`,
          [xid, key],
        );
      }
    });
  }

  async abandonFollowUp(xid: string, idempotencyKey: string): Promise<void> {
    await this.db.query(
      `UPDATE store_set_transactions SET pending_follow_up = NULL
        WHERE xid = $1 AND pending_follow_up->>'idempotencyKey' = $2`,
      [xid, idempotencyKey],
    );
  }

  async applyNotification(n: GatewayNotification): Promise<NotificationApplied> {
    return this.db.transaction(async (tx) => {
      const fresh = await tx.query(
        `INSERT INTO store_set_notifications (event_id, xid, seq, kind, event) VALUES ($1, $2, $3, $4, $5::jsonb)
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [n.eventId, n.xid, n.seq, n.kind, JSON.stringify(n)],
      );
      if (fresh.length === 0) return 'duplicate';
      const rows = await tx.query<{ seq: number | null }>(
        `SELECT (gateway_state->>'seq')::int AS seq FROM store_set_transactions WHERE xid = $1 FOR UPDATE`,
        [n.xid],
      );
      if (!rows[0]) return 'unknownTransaction';
      if (rows[0].seq !== null && Number(rows[0].seq) >= n.seq) return 'stale';
      await tx.query('UPDATE store_set_transactions SET gateway_state = $2::jsonb WHERE xid = $1', [
        n.xid,
        JSON.stringify(n),
      ]);
      return 'applied';
    });
  }

  async recordSubsequent(xid: string, rec: SubsequentAuthorization): Promise<SubsequentAuthorization> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO store_set_subsequent (xid, idempotency_key, record) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (xid, idempotency_key) DO NOTHING`,
        [xid, rec.idempotencyKey, JSON.stringify(rec)],
      );
      const rows = await tx.query<{ record: SubsequentAuthorization }>(
        'SELECT record FROM store_set_subsequent WHERE xid = $1 AND idempotency_key = $2',
        [xid, rec.idempotencyKey],
      );
      return rows[0]!.record;
    });
  }

  private async orderOf(xid: string): Promise<string | undefined> {
    const rows = await this.db.query<{ lid_m: string }>(
      'SELECT lid_m FROM store_set_transactions WHERE xid = $1',
      [xid],
    );
    return rows[0]?.lid_m;
  }

  private async withFollowUps(sql: Sql, row: TransactionRow): Promise<SetTransaction> {
    const followUps = await sql.query<{ record: FollowUpRecord }>(
      'SELECT record FROM store_set_follow_ups WHERE xid = $1 ORDER BY id',
      [row.xid],
    );
    const operatorEvents = await sql.query<{ event: GatewayNotification }>(
      `SELECT event FROM store_set_notifications
        WHERE xid = $1 AND event IS NOT NULL AND event->>'source' = 'operator' ORDER BY seq`,
      [row.xid],
    );
    const subsequent = await sql.query<{ record: SubsequentAuthorization }>(
      'SELECT record FROM store_set_subsequent WHERE xid = $1 ORDER BY id',
      [row.xid],
    );
    return {
      ...row.pending,
      ...(subsequent.length > 0 ? { subsequent: subsequent.map((s) => s.record) } : {}),
      ...(row.claim ? { claim: row.claim } : {}),
      ...(row.record ? { record: row.record } : {}),
      ...(row.pending_follow_up ? { pendingFollowUp: row.pending_follow_up } : {}),
      ...(row.gateway_state ? { gateway: row.gateway_state } : {}),
      followUps: followUps.map((f) => f.record),
      ...(operatorEvents.length > 0 ? { operatorEvents: operatorEvents.map((e) => e.event) } : {}),
    };
  }
}

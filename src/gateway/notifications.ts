/**
 * The gateway's notification records over its database: the URL each merchant registered
 * (NotifyRegReq), the outbox events the ledger writes (notification-outbox.ts), their delivery
 * state and every attempt. Delivery is leased: an event is claimed by one process with a
 * conditional UPDATE over `SELECT … FOR UPDATE SKIP LOCKED` that sets `locked_until`, so two
 * gateway processes on one PostgreSQL never send the same event at once, and a process that dies
 * mid-delivery only delays the event until its lease runs out (at least once, never lost).
 */
import * as v from 'valibot';
import { NotificationEvent } from '../protocol/index.ts';
import type { Database, Row } from '../storage/index.ts';

export interface NotificationEndpoint {
  merchantId: string;
  merchantIssuer: string;
  brandId: string;
  url: string;
  registeredAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  attempt: number;
  url: string;
  startedAt: Date;
  durationMs: number;
  httpStatus?: number;
  error?: string;
}

export interface NotificationRecord {
  event: NotificationEvent;
  status: DeliveryStatus;
  attempts: number;
  /** Attempts since it was (re)queued: the limit counts these. */
  roundAttempts: number;
  enqueuedAt: Date;
  nextAttemptAt: Date;
  deliveredAt?: Date;
  /** The newest attempt first. */
  history: DeliveryAttempt[];
}

/** An event claimed for delivery, with where to send it. */
export interface ClaimedNotification {
  event: NotificationEvent;
  merchantId: string;
  brandId: string;
  url: string;
  roundAttempts: number;
  enqueuedAt: Date;
}

export interface AttemptResult {
  startedAt: Date;
  durationMs: number;
  httpStatus?: number;
  error?: string;
  delivered: boolean;
}

/** What happens to an event after a failed attempt. */
export type AfterFailure = { retryAt: Date } | { failed: true };

const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));

export class Notifications {
  /** Whether any merchant had registered a URL at the last look (undefined: not looked yet). */
  private endpointsSeen: boolean | undefined;

  constructor(private readonly db: Database) {}

  /**
   * Looks whether any merchant has registered a URL (delivery does, once a poll). Until one has,
   * no event can be delivered, so a ledger change need not wake delivery (issue 11: a claim
   * transaction after every authorization, for nothing).
   */
  async lookForEndpoints(): Promise<boolean> {
    const rows = await this.db.query<{ any: unknown }>(
      'SELECT EXISTS (SELECT 1 FROM gateway_notification_endpoints) AS any',
    );
    this.endpointsSeen = rows[0]?.any === true;
    return this.endpointsSeen;
  }

  /** False only when the last look found no registered URL and none was registered here since. */
  mayHaveEndpoints(): boolean {
    return this.endpointsSeen !== false;
  }

  /** Registers (or replaces) the merchant's URL. */
  async register(e: NotificationEndpoint): Promise<void> {
    this.endpointsSeen = true;
    await this.db.query(
      `INSERT INTO gateway_notification_endpoints (merchant_id, merchant_issuer, brand_id, url, registered_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (merchant_id, merchant_issuer)
       DO UPDATE SET brand_id = EXCLUDED.brand_id, url = EXCLUDED.url, registered_at = EXCLUDED.registered_at`,
      [e.merchantId, e.merchantIssuer, e.brandId, e.url, e.registeredAt.toISOString()],
    );
  }

  async endpointOf(merchantId: string, merchantIssuer: string): Promise<NotificationEndpoint | undefined> {
    const rows = await this.db.query(
      'SELECT * FROM gateway_notification_endpoints WHERE merchant_id = $1 AND merchant_issuer = $2',
      [merchantId, merchantIssuer],
    );
    const r = rows[0];
    return r
      ? {
          merchantId: String(r.merchant_id),
          merchantIssuer: String(r.merchant_issuer),
          brandId: String(r.brand_id),
          url: String(r.url),
          registeredAt: date(r.registered_at),
        }
      : undefined;
  }

  /**
   * Leases up to `limit` due events of merchants with a registered URL until `lockedUntil`. An
   * event waits while an earlier one of its XID is still pending, so a receiver normally sees
   * each XID's events in order (it copes with any order: see the SDK's handleNotification).
   */
  async claimDue(now: Date, lockedUntil: Date, by: string, limit: number): Promise<ClaimedNotification[]> {
    const rows = await this.db.transaction((tx) =>
      tx.query(
        `UPDATE gateway_notifications SET locked_until = $2, locked_by = $3
          WHERE event_id IN (
            SELECT n.event_id FROM gateway_notifications n
              JOIN gateway_authorizations a ON a.xid = n.xid
              JOIN gateway_notification_endpoints e
                ON e.merchant_id = a.merchant_id AND e.merchant_issuer = a.merchant_issuer
             WHERE n.status = 'pending' AND n.next_attempt_at <= $1
               AND (n.locked_until IS NULL OR n.locked_until <= $1)
               AND NOT EXISTS (SELECT 1 FROM gateway_notifications p
                                WHERE p.xid = n.xid AND p.seq < n.seq AND p.status = 'pending')
             ORDER BY n.next_attempt_at, n.xid, n.seq
             LIMIT $4
             FOR UPDATE OF n SKIP LOCKED)
            AND status = 'pending' AND (locked_until IS NULL OR locked_until <= $1)
          RETURNING event_id`,
        [now.toISOString(), lockedUntil.toISOString(), by, limit],
      ),
    );
    if (rows.length === 0) return [];
    const details = await this.db.query(
      `SELECT n.event, n.round_attempts, n.enqueued_at, e.merchant_id, e.brand_id, e.url
         FROM gateway_notifications n
         JOIN gateway_authorizations a ON a.xid = n.xid
         JOIN gateway_notification_endpoints e
           ON e.merchant_id = a.merchant_id AND e.merchant_issuer = a.merchant_issuer
        WHERE n.event_id = ANY($1::text[])
        ORDER BY n.next_attempt_at, n.xid, n.seq`,
      [rows.map((r) => String(r.event_id))],
    );
    return details.map((r) => ({
      event: v.parse(NotificationEvent, JSON.parse(String(r.event))),
      merchantId: String(r.merchant_id),
      brandId: String(r.brand_id),
      url: String(r.url),
      roundAttempts: Number(r.round_attempts),
      enqueuedAt: date(r.enqueued_at),
    }));
  }

  /** Records one attempt and the event's next state, and releases the lease, in one transaction. */
  async recordAttempt(
    eventId: string,
    url: string,
    by: string,
    result: AttemptResult,
    after: (roundAttempts: number, enqueuedAt: Date) => AfterFailure,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const rows = await tx.query(
        'SELECT attempts, round_attempts, enqueued_at, status FROM gateway_notifications WHERE event_id = $1 FOR UPDATE',
        [eventId],
      );
      const row = rows[0];
      if (!row) return;
      const attempt = Number(row.attempts) + 1;
      const round = Number(row.round_attempts) + 1;
      await tx.query(
        `INSERT INTO gateway_notification_attempts (event_id, attempt, url, started_at, duration_ms, http_status, error, by_process)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          eventId,
          attempt,
          url,
          result.startedAt.toISOString(),
          Math.max(0, Math.round(result.durationMs)),
          result.httpStatus ?? null,
          result.error?.slice(0, 500) ?? null,
          by,
        ],
      );
      const end = new Date(result.startedAt.getTime() + result.durationMs).toISOString();
      if (result.delivered) {
        await tx.query(
          `UPDATE gateway_notifications SET status = 'delivered', delivered_at = $2, attempts = $3,
             round_attempts = $4, locked_until = NULL, locked_by = NULL WHERE event_id = $1`,
          [eventId, end, attempt, round],
        );
        return;
      }
      // Delivered meanwhile by another attempt (a resend racing this one): keep it delivered.
      if (String(row.status) !== 'pending') {
        await tx.query(
          'UPDATE gateway_notifications SET attempts = $2, locked_until = NULL, locked_by = NULL WHERE event_id = $1',
          [eventId, attempt],
        );
        return;
      }
      const next = after(round, date(row.enqueued_at));
      await tx.query(
        `UPDATE gateway_notifications SET status = $2, next_attempt_at = $3, attempts = $4, round_attempts = $5,
           locked_until = NULL, locked_by = NULL WHERE event_id = $1`,
        [
          eventId,
          'failed' in next ? 'failed' : 'pending',
          'failed' in next ? end : next.retryAt.toISOString(),
          attempt,
          round,
        ],
      );
    });
  }

  /**
   * Queues the same event (same event id and seq) for a fresh delivery now, whatever its state:
   * the operator's Resend. Its attempt limits count again from here.
   */
  async resend(eventId: string, now: Date): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE gateway_notifications SET status = 'pending', round_attempts = 0, enqueued_at = $2,
         next_attempt_at = $2, delivered_at = NULL
       WHERE event_id = $1 RETURNING event_id`,
      [eventId, now.toISOString()],
    );
    return rows.length > 0;
  }

  /** Every event of one XID in seq order, with its attempts (newest first). */
  async ofTransaction(xid: string): Promise<NotificationRecord[]> {
    const rows = await this.db.query('SELECT * FROM gateway_notifications WHERE xid = $1 ORDER BY seq', [
      xid,
    ]);
    if (rows.length === 0) return [];
    const attempts = await this.db.query(
      `SELECT * FROM gateway_notification_attempts WHERE event_id = ANY($1::text[])
        ORDER BY attempt DESC`,
      [rows.map((r) => String(r.event_id))],
    );
    return rows.map((r) => recordOf(r, attempts));
  }

  async find(eventId: string): Promise<NotificationRecord | undefined> {
    const rows = await this.db.query('SELECT * FROM gateway_notifications WHERE event_id = $1', [eventId]);
    if (!rows[0]) return undefined;
    const attempts = await this.db.query(
      'SELECT * FROM gateway_notification_attempts WHERE event_id = $1 ORDER BY attempt DESC',
      [eventId],
    );
    return recordOf(rows[0], attempts);
  }
}

function recordOf(r: Row, attempts: Row[]): NotificationRecord {
  const id = String(r.event_id);
  return {
    event: v.parse(NotificationEvent, JSON.parse(String(r.event))),
    status: String(r.status) as DeliveryStatus,
    attempts: Number(r.attempts),
    roundAttempts: Number(r.round_attempts),
    enqueuedAt: date(r.enqueued_at),
    nextAttemptAt: date(r.next_attempt_at),
    ...(r.delivered_at ? { deliveredAt: date(r.delivered_at) } : {}),
    history: attempts
      .filter((a) => String(a.event_id) === id)
      .map((a) => ({
        attempt: Number(a.attempt),
        url: String(a.url),
        startedAt: date(a.started_at),
        durationMs: Number(a.duration_ms),
        ...(a.http_status !== null && a.http_status !== undefined
          ? { httpStatus: Number(a.http_status) }
          : {}),
        ...(a.error ? { error: String(a.error) } : {}),
      })),
  };
}

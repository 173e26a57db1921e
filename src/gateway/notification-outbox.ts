/**
 * The gateway's notification outbox (SET-PROFILE §6 Notifications): one row per ledger change,
 * written by the ledger inside the very transaction that makes the change, so an event exists
 * exactly when its change was committed. Delivery (notification-delivery.ts) reads it later.
 *
 * seq counts 1, 2, 3… per XID with no gaps: it is taken as max + 1 while the transaction holds the
 * authorization's row (SELECT … FOR UPDATE), and UNIQUE (xid, seq) backs that up. A new
 * authorization's own events are 1 (and 2 for a CaptureNow capture), written by the ledger in the
 * very statement that inserts it (events reference their authorization, so none can exist before).
 */
import {
  type Amount,
  b64u,
  type NotificationEvent,
  randomNonce,
  type TransactionSnapshot,
} from '../protocol/index.ts';
import type { Sql } from '../storage/index.ts';
import type { AuthorizationRecord } from './ledger.ts';

export interface OutboxChange {
  kind: string;
  source: 'merchant' | 'operator';
  amount: Amount;
  at: Date;
  /** batchSettled only: the batch and this XID's net in it. */
  batch?: NotificationEvent['batch'];
}

/** The transaction's state as a Notification reports it. */
export function snapshotOf(a: AuthorizationRecord): TransactionSnapshot {
  return {
    state: a.state,
    currency: a.currency,
    exponent: a.exponent,
    requested: a.requested,
    authorized: a.balances.authorized,
    captured: a.balances.captured,
    refunded: a.balances.refunded,
  };
}

/** The event of one change to `after` (the authorization as the change left it), as seq `seq`. */
export function notificationEvent(
  after: AuthorizationRecord,
  change: OutboxChange,
  seq: number,
): NotificationEvent {
  return {
    eventId: b64u(randomNonce()),
    seq,
    kind: change.kind,
    xid: after.xid,
    ...(after.lidM !== undefined ? { lidM: after.lidM } : {}),
    source: change.source,
    amount: change.amount,
    transaction: snapshotOf(after),
    madeAt: change.at.toISOString(),
    ...(change.batch ? { batch: change.batch } : {}),
  };
}

/** Writes the event of one change to `after` (the authorization as the change left it), in `tx`. */
export async function enqueueNotification(
  tx: Sql,
  after: AuthorizationRecord,
  change: OutboxChange,
): Promise<NotificationEvent> {
  const rows = await tx.query<{ seq: unknown }>(
    'SELECT coalesce(max(seq), 0) + 1 AS seq FROM gateway_notifications WHERE xid = $1',
    [after.xid],
  );
  const event = notificationEvent(after, change, Number(rows[0]?.seq ?? 1));
  await tx.query(
    `INSERT INTO gateway_notifications (event_id, xid, seq, kind, source, event, created_at, status,
       enqueued_at, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $7, $7)`,
    [
      event.eventId,
      event.xid,
      event.seq,
      event.kind,
      event.source,
      JSON.stringify(event),
      change.at.toISOString(),
    ],
  );
  return event;
}

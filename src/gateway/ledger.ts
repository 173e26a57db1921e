/**
 * The gateway's ledger: one row per XID (the authorization) and one per capture, refund or
 * reversal, each keyed so that a retry finds what the first attempt wrote (SET-PROFILE §4: "a
 * retry of the same request gets the same answer, and is never charged twice"). Every write is
 * one transaction, and the response sent is stored with it, so an answer is only ever given for
 * a committed row and a retry gets the very same bytes.
 *
 * Concurrency: on PostgreSQL an INSERT of an XID that another transaction has inserted but not
 * yet committed waits for that transaction, then finds the conflict; follow-ups lock the
 * authorization row (SELECT … FOR UPDATE) before reading its totals. That is what keeps several
 * gateway processes sharing one database from authorizing or capturing anything twice.
 */
import {
  type Amount,
  type AuthTokenData,
  type CapTokenData,
  type DeclineReason,
  type InstallRecurData,
  SetError,
} from '../protocol/index.ts';
import { type Database, prepared, type Row, type Sql } from '../storage/index.ts';
import {
  type BatchSlot,
  batchIdentityOf,
  batchSlot,
  isBatched,
  lockMerchantBatches,
  recordBatchItem,
} from './batches.ts';
import {
  type AuthorizationState,
  type Balances,
  DEFAULT_AUTHORIZATION_VALIDITY_MS,
  type Decision,
  decideFollowUp,
  type FollowUpKind,
  type RejectReason,
  stateOf,
} from './follow-up-rules.ts';
import { enqueueNotification, notificationEvent } from './notification-outbox.ts';
import { checkSubsequent, type PurchaseHistory } from './subsequent-rules.ts';

export interface NewAuthorization {
  xid: string;
  rrpid: string;
  requestDigest: string;
  /** The merchant's order label from the AuthReq's TransIDs. */
  lidM: string;
  merchantId: string;
  /** Who certified the merchant: see merchantIssuerOf. Follow-ups must come from the same. */
  merchantIssuer: string;
  merchantName: string;
  /** The merchant's key-exchange certificate and its CAs (base64url DER): follow-up answers are sealed to it. */
  merchantKxChain: string[];
  brandId: string;
  panLast4: string;
  dualSigned: boolean;
  amount: Amount;
  /** The PurchAmt the cardholder signed (default: `amount`): the purchase's ceiling without a plan. */
  purchAmt?: Amount;
  /** The payment plan the cardholder signed, if any. */
  installRecurData?: InstallRecurData;
  result: { status: 'approved'; authCode: string } | { status: 'declined'; reason: DeclineReason };
  captureNow: boolean;
  /** The AuthRes wire, exactly as it will be sent. */
  response: string;
  at: Date;
}

/** A further authorization of a purchase (SET-PROFILE §6), with the AuthToken of an earlier AuthRes. */
export interface SubsequentAuthorizationRecord {
  xid: string;
  /** 2 for the purchase's second authorization, and so on. */
  seq: number;
  idempotencyKey: string;
  rrpid: string;
  requestDigest: string;
  amount: Amount;
  captureNow: boolean;
  result: 'approved' | 'declined';
  authCode?: string;
  declineReason?: DeclineReason;
  /** The AuthRes wire sent: a retry under the same key gets these bytes. */
  response: string;
  createdAt: Date;
}

export interface SubsequentCommand {
  xid: string;
  rrpid: string;
  requestDigest: string;
  idempotencyKey: string;
  merchant: { merchantId: string; issuer: string };
  /** The opened AuthToken: what the cardholder signed. */
  token: AuthTokenData;
  amount: Amount;
  captureNow: boolean;
  result: NewAuthorization['result'];
  at: Date;
}

export interface AuthorizationRecord {
  xid: string;
  rrpid: string;
  requestDigest: string;
  /** Absent for authorizations recorded before the gateway kept it (gateway/004). */
  lidM?: string;
  merchantId: string;
  /** Absent for authorizations recorded before the issuer was (gateway/002). */
  merchantIssuer?: string;
  merchantName: string;
  merchantKxChain: string[];
  brandId: string;
  panLast4: string;
  dualSigned: boolean;
  currency: string;
  exponent: number;
  requested: number;
  balances: Balances;
  result: 'approved' | 'declined';
  state: AuthorizationState;
  authCode?: string;
  declineReason?: DeclineReason;
  captureNow: boolean;
  response: string;
  createdAt: Date;
  updatedAt: Date;
  /** Absent for authorizations recorded before gateway/006. */
  purchAmtValue?: number;
  installRecurData?: InstallRecurData;
  /** Granted so far by approved authorizations, the first included; never decreases. */
  granted: number;
  /** Approved authorizations so far, the first included. */
  approvedCount: number;
  lastAuthorizedAt?: Date;
}

export interface PaymentEventRecord {
  xid: string;
  rrpid: string;
  kind: FollowUpKind;
  source: 'merchant' | 'operator';
  requestDigest: string;
  /** The merchant's idempotency key (SET-PROFILE §6), when it sent one. */
  idempotencyKey?: string;
  outcome: 'accepted' | 'rejected';
  reason?: RejectReason;
  amount: Amount;
  response?: string;
  createdAt: Date;
}

export interface FollowUpCommand {
  kind: FollowUpKind;
  xid: string;
  rrpid: string;
  requestDigest: string;
  amount: Amount;
  source: 'merchant' | 'operator';
  /** For merchant requests: only the merchant that was authorized may follow up. */
  merchant?: { merchantId: string; issuer: string };
  idempotencyKey?: string;
  /** The CapToken the merchant returned, already opened by the gateway. */
  capToken?: CapTokenData;
  /** The merchant's open batch the request named (batches.ts); absent: its open batch. */
  batchId?: number;
  at: Date;
}

export interface FollowUpOutcome {
  /** True when this was a retry of a request already applied: nothing changed. */
  replayed: boolean;
  event: PaymentEventRecord;
  authorization: AuthorizationRecord;
  response?: string;
}

/**
 * Builds the signed response for a decision, inside the transaction, so it is stored with the
 * event; `batch` is where an accepted capture or credit went (SET 1.0 BatchID, BatchSequenceNum).
 */
export type RespondTo = (
  decision: Decision,
  authorization: AuthorizationRecord,
  batch?: BatchSlot,
) => Promise<string>;

export interface MerchantPageQuery {
  merchant: { merchantId: string; issuer: string };
  filter: {
    state?: AuthorizationState;
    /** ISO 8601: created_at ≥ from. */
    from?: string;
    /** ISO 8601: created_at < until. */
    until?: string;
    lidM?: string;
    currency?: string;
  };
  limit: number;
  /** The last row of the previous page. */
  after?: { at: string; xid: string };
}

export interface ListFilter {
  state?: AuthorizationState;
  kind?: 'authorization' | 'capture' | 'refund' | 'reversal';
  merchantId?: string;
  /** A substring of the XID. */
  xid?: string;
  limit?: number;
}

const KINDS_OF_FILTER: Record<Exclude<ListFilter['kind'], undefined | 'authorization'>, FollowUpKind[]> = {
  capture: ['capture'],
  refund: ['credit'],
  reversal: ['captureReversal', 'authorizationReversal', 'creditReversal'],
};

export class Ledger {
  constructor(
    private readonly db: Database,
    private readonly authorizationValidityMs = DEFAULT_AUTHORIZATION_VALIDITY_MS,
  ) {}

  async findAuthorization(xid: string, sql: Sql = this.db): Promise<AuthorizationRecord | undefined> {
    const rows = await sql.query('SELECT * FROM gateway_authorizations WHERE xid = $1', [xid]);
    return rows[0] ? authorizationOf(rows[0]) : undefined;
  }

  /**
   * Records an authorization, its Notification event(s) and, with CaptureNow, its capture, in one
   * SQL statement (atomic on its own, one round trip; docs/architecture.md "Ledger"). When the XID
   * is already there (a retry, or a race with another process) nothing is written and the stored
   * row is returned instead.
   */
  async recordAuthorization(
    a: NewAuthorization,
  ): Promise<{ inserted: true } | { inserted: false; existing: AuthorizationRecord }> {
    const approved = a.result.status === 'approved';
    const authorized = approved ? a.amount.value : 0;
    const balances = { authorized, captured: approved && a.captureNow ? authorized : 0, refunded: 0 };
    const state = stateOf(a.result.status, balances);
    // The row as inserted: the Notification events report it (the authorization before its capture).
    const recorded: AuthorizationRecord = {
      xid: a.xid,
      rrpid: a.rrpid,
      requestDigest: a.requestDigest,
      ...(a.lidM ? { lidM: a.lidM } : {}),
      merchantId: a.merchantId,
      ...(a.merchantIssuer ? { merchantIssuer: a.merchantIssuer } : {}),
      merchantName: a.merchantName,
      merchantKxChain: a.merchantKxChain,
      brandId: a.brandId,
      panLast4: a.panLast4,
      dualSigned: a.dualSigned,
      currency: a.amount.currency,
      exponent: a.amount.exponent,
      requested: a.amount.value,
      balances,
      result: a.result.status,
      state,
      ...(a.result.status === 'approved'
        ? { authCode: a.result.authCode }
        : { declineReason: a.result.reason }),
      captureNow: a.captureNow,
      response: a.response,
      createdAt: a.at,
      updatedAt: a.at,
      purchAmtValue: (a.purchAmt ?? a.amount).value,
      ...(a.installRecurData ? { installRecurData: a.installRecurData } : {}),
      granted: authorized,
      approvedCount: approved ? 1 : 0,
      ...(approved ? { lastAuthorizedAt: a.at } : {}),
    };
    const change = { source: 'merchant' as const, amount: a.amount, at: a.at };
    const events = [
      notificationEvent(
        {
          ...recorded,
          balances: { ...balances, captured: 0 },
          state: stateOf(a.result.status, { ...balances, captured: 0 }),
        },
        { ...change, kind: 'authorization' },
        1,
      ),
      // CaptureNow (SET Book 2 AuthReq): the approval is captured in the same statement.
      ...(approved && a.captureNow ? [notificationEvent(recorded, { ...change, kind: 'capture' }, 2)] : []),
    ];
    const captured = events.length === 2;
    const params = [
      a.xid,
      a.rrpid,
      a.requestDigest,
      a.merchantId,
      a.merchantName,
      JSON.stringify(a.merchantKxChain),
      a.brandId,
      a.panLast4,
      a.dualSigned,
      a.amount.currency,
      a.amount.exponent,
      a.amount.value,
      balances.authorized,
      balances.captured,
      a.result.status,
      state,
      a.result.status === 'approved' ? a.result.authCode : null,
      a.result.status === 'declined' ? a.result.reason : null,
      a.captureNow,
      a.response,
      a.at.toISOString(),
      a.merchantIssuer,
      a.lidM,
      events[0]!.eventId,
      JSON.stringify(events[0]),
      ...(captured ? [events[1]!.eventId, JSON.stringify(events[1])] : []),
      // What the cardholder signed and what is granted so far (gateway/006), at the end.
      (a.purchAmt ?? a.amount).value,
      a.installRecurData ? JSON.stringify(a.installRecurData) : null,
      approved ? 1 : 0,
      approved ? a.at.toISOString() : null,
    ];
    const conflicted = async (sql: Sql) => {
      const existing = await this.findAuthorization(a.xid, sql);
      if (!existing) throw new Error(`XID ${a.xid} conflicted but cannot be read`);
      return { inserted: false as const, existing };
    };
    if (!captured) {
      const inserted = await this.db.query(RECORD_AUTHORIZATION, params);
      return inserted.length > 0 ? { inserted: true } : await conflicted(this.db);
    }
    // A CaptureNow capture goes into the merchant's open batch: the merchant's batch lock comes
    // before the authorization's row (batches.ts), then the capture's batch item.
    return this.db.transaction(async (tx) => {
      const owner = { merchantId: a.merchantId, issuer: a.merchantIssuer };
      await lockMerchantBatches(tx, owner, 'add');
      const inserted = await tx.query(RECORD_CAPTURED_AUTHORIZATION, params);
      if (inserted.length === 0) return await conflicted(tx);
      const slot = await batchSlot(tx, owner, undefined, a.at);
      if ('refused' in slot) throw new Error(`the open batch refused XID ${a.xid}'s capture`);
      await recordBatchItem(tx, slot, {
        xid: a.xid,
        rrpid: a.rrpid,
        kind: 'capture',
        source: 'merchant',
        requestDigest: a.requestDigest,
        outcome: 'accepted',
        amount: a.amount,
        createdAt: a.at,
      });
      return { inserted: true as const };
    });
  }

  /**
   * Applies a capture, refund or reversal in one transaction, holding the authorization's row
   * lock. A retry (same XID and RRPID, same request) returns what the first attempt stored.
   */
  async applyFollowUp(cmd: FollowUpCommand, respond?: RespondTo): Promise<FollowUpOutcome> {
    return this.db.transaction(async (tx) => {
      // A capture or credit goes into the merchant's open batch: the merchant's batch lock comes
      // before the authorization's (batches.ts). Who the merchant is never changes on a row.
      const unlocked = isBatched(cmd.kind) ? await this.findAuthorization(cmd.xid, tx) : undefined;
      const batchOwner = unlocked && batchIdentityOf(unlocked);
      if (batchOwner) await lockMerchantBatches(tx, batchOwner, 'add');
      const rows = await tx.query('SELECT * FROM gateway_authorizations WHERE xid = $1 FOR UPDATE', [
        cmd.xid,
      ]);
      const auth = rows[0] ? authorizationOf(rows[0]) : undefined;
      // Another merchant's XID is reported exactly like one that does not exist.
      if (!auth || (cmd.merchant && !sameMerchant(auth, cmd.merchant))) {
        throw new SetError('unknownXID', 'no authorization with this XID was made for this merchant');
      }
      // The idempotency key first (SET-PROFILE §6): the same key gets the stored answer, even for a
      // request rebuilt with another RRPID; a different request under a used key is refused.
      const byKey = cmd.idempotencyKey
        ? await tx.query('SELECT * FROM gateway_payment_events WHERE xid = $1 AND idempotency_key = $2', [
            cmd.xid,
            cmd.idempotencyKey,
          ])
        : [];
      const seen = byKey.length
        ? byKey
        : await tx.query('SELECT * FROM gateway_payment_events WHERE xid = $1 AND rrpid = $2', [
            cmd.xid,
            cmd.rrpid,
          ]);
      if (seen[0]) {
        const event = eventOf(seen[0]);
        const sameRequest =
          event.rrpid === cmd.rrpid
            ? event.kind === cmd.kind && event.requestDigest === cmd.requestDigest
            : event.kind === cmd.kind &&
              event.idempotencyKey === cmd.idempotencyKey &&
              sameAmount(event.amount, cmd.amount);
        if (!sameRequest) {
          throw new SetError(
            'unknownRRPID',
            byKey.length
              ? 'this idempotency key was already used for a different request on this XID; a new request needs a new key'
              : 'this RRPID was already used for another request on this XID',
          );
        }
        return {
          replayed: true,
          event,
          authorization: auth,
          ...(event.response ? { response: event.response } : {}),
        };
      }
      if (cmd.capToken) await checkCapToken(tx, cmd.capToken, auth);
      // A capture may follow the latest authorization of the purchase within the validity.
      let decision = decideFollowUp(
        cmd.kind,
        { ...auth, createdAt: auth.lastAuthorizedAt ?? auth.createdAt },
        cmd.amount,
        cmd.at,
        this.authorizationValidityMs,
      );
      let slot: BatchSlot | undefined;
      if (decision.outcome === 'accepted' && isBatched(cmd.kind)) {
        const place = batchOwner
          ? await batchSlot(tx, batchOwner, cmd.batchId, cmd.at)
          : cmd.batchId !== undefined
            ? { refused: 'unknownBatch' as const }
            : undefined;
        if (place && 'refused' in place) decision = { outcome: 'rejected', reason: place.refused };
        else slot = place;
      }
      const response = await respond?.(decision, auth, slot);
      const event: PaymentEventRecord = {
        xid: cmd.xid,
        rrpid: cmd.rrpid,
        kind: cmd.kind,
        source: cmd.source,
        requestDigest: cmd.requestDigest,
        ...(cmd.idempotencyKey ? { idempotencyKey: cmd.idempotencyKey } : {}),
        outcome: decision.outcome,
        ...(decision.outcome === 'rejected' ? { reason: decision.reason } : {}),
        amount: cmd.amount,
        ...(response ? { response } : {}),
        createdAt: cmd.at,
      };
      await insertEvent(tx, event);
      if (slot) await recordBatchItem(tx, slot, event);
      let authorization = auth;
      if (decision.outcome === 'accepted') {
        const b = decision.next;
        const state = stateOf(auth.result, b);
        await tx.query(
          `UPDATE gateway_authorizations
             SET authorized_value = $2, captured_value = $3, refunded_value = $4, state = $5, updated_at = $6
           WHERE xid = $1`,
          [cmd.xid, b.authorized, b.captured, b.refunded, state, cmd.at.toISOString()],
        );
        authorization = { ...auth, balances: b, state, updatedAt: cmd.at };
        await enqueueNotification(tx, authorization, {
          kind: cmd.kind,
          source: cmd.source,
          amount: cmd.amount,
          at: cmd.at,
        });
      }
      return { replayed: false, event, authorization, ...(response ? { response } : {}) };
    });
  }

  /** The subsequent authorization a merchant's key names on an XID, if any. */
  async findSubsequent(
    xid: string,
    idempotencyKey: string,
  ): Promise<SubsequentAuthorizationRecord | undefined> {
    const rows = await this.db.query(
      'SELECT * FROM gateway_subsequent_authorizations WHERE xid = $1 AND idempotency_key = $2',
      [xid, idempotencyKey],
    );
    return rows[0] ? subsequentOf(rows[0]) : undefined;
  }

  /** A purchase's subsequent authorizations, in order. */
  async subsequentsOf(xid: string): Promise<SubsequentAuthorizationRecord[]> {
    const rows = await this.db.query(
      'SELECT * FROM gateway_subsequent_authorizations WHERE xid = $1 ORDER BY seq',
      [xid],
    );
    return rows.map(subsequentOf);
  }

  /**
   * Records a subsequent authorization in one transaction, holding the purchase's row lock: the
   * merchant that authorized the sale, then its idempotency key (the same key and request get the
   * stored AuthRes, another request under it is refused), then the signed terms against what has
   * been granted so far (SubsequentAuthRefused), and only then the row and the new totals.
   * `respond` builds the AuthRes inside the transaction, so it is stored with the row.
   */
  async recordSubsequent(
    cmd: SubsequentCommand,
    respond: (after: PurchaseHistory) => Promise<string>,
  ): Promise<{ replayed: boolean; record: SubsequentAuthorizationRecord }> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query('SELECT * FROM gateway_authorizations WHERE xid = $1 FOR UPDATE', [
        cmd.xid,
      ]);
      const auth = rows[0] ? authorizationOf(rows[0]) : undefined;
      if (!auth || !sameMerchant(auth, cmd.merchant)) {
        throw new SetError('unknownXID', 'no authorization with this XID was made for this merchant');
      }
      const seen = await tx.query(
        'SELECT * FROM gateway_subsequent_authorizations WHERE xid = $1 AND (idempotency_key = $2 OR rrpid = $3)',
        [cmd.xid, cmd.idempotencyKey, cmd.rrpid],
      );
      if (seen[0]) {
        const record = subsequentOf(seen[0]);
        replayableSubsequent(record, cmd);
        return { replayed: true, record };
      }
      const before = historyOf(auth);
      checkSubsequent(cmd.token, before, cmd.amount, cmd.at);
      const approved = cmd.result.status === 'approved';
      const v = cmd.amount.value;
      const after: PurchaseHistory = approved
        ? { granted: before.granted + v, approved: before.approved + 1, lastAuthorizedAt: cmd.at }
        : before;
      const count = await tx.query<{ n: unknown }>(
        'SELECT count(*) AS n FROM gateway_subsequent_authorizations WHERE xid = $1',
        [cmd.xid],
      );
      const record: SubsequentAuthorizationRecord = {
        xid: cmd.xid,
        seq: Number(count[0]?.n ?? 0) + 2,
        idempotencyKey: cmd.idempotencyKey,
        rrpid: cmd.rrpid,
        requestDigest: cmd.requestDigest,
        amount: cmd.amount,
        captureNow: cmd.captureNow,
        result: cmd.result.status,
        ...(cmd.result.status === 'approved'
          ? { authCode: cmd.result.authCode }
          : { declineReason: cmd.result.reason }),
        response: await respond(after),
        createdAt: cmd.at,
      };
      await tx.query(
        `INSERT INTO gateway_subsequent_authorizations (xid, seq, idempotency_key, rrpid, request_digest,
           currency, exponent, value, capture_now, result, auth_code, decline_reason, response, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          record.xid,
          record.seq,
          record.idempotencyKey,
          record.rrpid,
          record.requestDigest,
          record.amount.currency,
          record.amount.exponent,
          record.amount.value,
          record.captureNow,
          record.result,
          record.authCode ?? null,
          record.declineReason ?? null,
          record.response,
          record.createdAt.toISOString(),
        ],
      );
      if (approved) {
        const b = {
          authorized: auth.balances.authorized + v,
          captured: auth.balances.captured + (cmd.captureNow ? v : 0),
          refunded: auth.balances.refunded,
        };
        const state = stateOf(auth.result, b);
        await tx.query(
          `UPDATE gateway_authorizations
             SET requested_value = requested_value + $2, authorized_value = $3, captured_value = $4,
                 state = $5, granted_value = $6, approved_count = $7, last_authorized_at = $8, updated_at = $8
           WHERE xid = $1`,
          [cmd.xid, v, b.authorized, b.captured, state, after.granted, after.approved, cmd.at.toISOString()],
        );
        const updated = { ...auth, requested: auth.requested + v, balances: b, state, updatedAt: cmd.at };
        await enqueueNotification(
          tx,
          { ...updated, balances: { ...b, captured: auth.balances.captured } },
          { kind: 'authorization', source: 'merchant', amount: cmd.amount, at: cmd.at },
        );
        if (cmd.captureNow) {
          await enqueueNotification(tx, updated, {
            kind: 'capture',
            source: 'merchant',
            amount: cmd.amount,
            at: cmd.at,
          });
        }
      }
      return { replayed: false, record };
    });
  }

  async eventsOf(xid: string): Promise<PaymentEventRecord[]> {
    const rows = await this.db.query(
      'SELECT * FROM gateway_payment_events WHERE xid = $1 ORDER BY created_at, rrpid',
      [xid],
    );
    return rows.map(eventOf);
  }

  /** Newest first. `state` and `merchantId` filter by the authorization the entries belong to. */
  async list(
    filter: ListFilter = {},
  ): Promise<{ authorizations: AuthorizationRecord[]; events: PaymentEventRecord[] }> {
    const limit = Number.isSafeInteger(filter.limit) ? Math.min(Math.max(filter.limit!, 1), 1000) : 200;
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.state) where.push(`a.state = ${param(filter.state)}`);
    if (filter.merchantId) where.push(`a.merchant_id = ${param(filter.merchantId)}`);
    // strpos, not LIKE: '_' is both a LIKE wildcard and a base64url character.
    if (filter.xid) where.push(`strpos(a.xid, ${param(filter.xid)}) > 0`);
    const authWhere = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const wantAuthorizations = !filter.kind || filter.kind === 'authorization';
    const authorizations = wantAuthorizations
      ? (
          await this.db.query(
            `SELECT a.* FROM gateway_authorizations a ${authWhere} ORDER BY a.created_at DESC, a.xid LIMIT ${limit}`,
            params,
          )
        ).map(authorizationOf)
      : [];
    let events: PaymentEventRecord[] = [];
    if (filter.kind !== 'authorization') {
      const eventWhere = [...where];
      const eventParams = [...params];
      if (filter.kind) {
        eventParams.push(KINDS_OF_FILTER[filter.kind]);
        eventWhere.push(`e.kind = ANY($${eventParams.length}::text[])`);
      }
      events = (
        await this.db.query(
          `SELECT e.* FROM gateway_payment_events e JOIN gateway_authorizations a ON a.xid = e.xid
           ${eventWhere.length ? `WHERE ${eventWhere.join(' AND ')}` : ''}
           ORDER BY e.created_at DESC, e.xid, e.rrpid LIMIT ${limit}`,
          eventParams,
        )
      ).map(eventOf);
    }
    return { authorizations, events };
  }

  /**
   * One merchant's authorizations (TransListReq), newest first by (created_at, xid), strictly after
   * `after` in that order: a keyset page, so rows inserted meanwhile never shift it. Returns up to
   * `limit` + 1 rows; the extra one only says that there is a next page.
   */
  async merchantPage(q: MerchantPageQuery): Promise<AuthorizationRecord[]> {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    // The identity exactly: rows from before gateway/002 (no issuer recorded) are not listed.
    const where = [
      `merchant_id = ${param(q.merchant.merchantId)}`,
      `merchant_issuer = ${param(q.merchant.issuer)}`,
    ];
    const f = q.filter;
    if (f.state) where.push(`state = ${param(f.state)}`);
    if (f.from) where.push(`created_at >= ${param(f.from)}::timestamptz`);
    if (f.until) where.push(`created_at < ${param(f.until)}::timestamptz`);
    if (f.lidM) where.push(`lid_m = ${param(f.lidM)}`);
    if (f.currency) where.push(`currency = ${param(f.currency)}`);
    // XIDs compare byte by byte (COLLATE "C"), the same on every server whatever its locale.
    if (q.after) {
      where.push(
        `(created_at, xid COLLATE "C") < (${param(q.after.at)}::timestamptz, ${param(q.after.xid)} COLLATE "C")`,
      );
    }
    const rows = await this.db.query(
      `SELECT * FROM gateway_authorizations WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, xid COLLATE "C" DESC LIMIT ${param(q.limit + 1)}`,
      params,
    );
    return rows.map(authorizationOf);
  }

  /** One merchant's authorization by XID; another merchant's is undefined, as if it did not exist. */
  async merchantAuthorization(
    xid: string,
    merchant: { merchantId: string; issuer: string },
  ): Promise<AuthorizationRecord | undefined> {
    const rows = await this.db.query(
      'SELECT * FROM gateway_authorizations WHERE xid = $1 AND merchant_id = $2 AND merchant_issuer = $3',
      [xid, merchant.merchantId, merchant.issuer],
    );
    return rows[0] ? authorizationOf(rows[0]) : undefined;
  }

  /** The newest `limit` events of an XID, oldest first, and whether older ones were left out. */
  async latestEventsOf(
    xid: string,
    limit: number,
  ): Promise<{ events: PaymentEventRecord[]; truncated: boolean }> {
    const rows = await this.db.query(
      'SELECT * FROM gateway_payment_events WHERE xid = $1 ORDER BY created_at DESC, rrpid DESC LIMIT $2',
      [xid, limit + 1],
    );
    return { events: rows.slice(0, limit).map(eventOf).reverse(), truncated: rows.length > limit };
  }

  /** Counts, for tests and health checks. */
  async counts(): Promise<{ authorizations: number; events: number }> {
    const rows = await this.db.query(
      `SELECT (SELECT count(*) FROM gateway_authorizations) AS authorizations,
              (SELECT count(*) FROM gateway_payment_events) AS events`,
    );
    return { authorizations: Number(rows[0]?.authorizations), events: Number(rows[0]?.events) };
  }
}

/**
 * The same enrolled merchant: the MerchantID its MCA assigned, and that MCA (the MCA never gives
 * one ID to two key lineages, so together they name one merchant). A certificate that repeats the
 * ID under another MCA, or under a CA the requester made itself, is someone else.
 */
function sameMerchant(auth: AuthorizationRecord, m: { merchantId: string; issuer: string }): boolean {
  if (auth.merchantId !== m.merchantId) return false;
  return auth.merchantIssuer === undefined || auth.merchantIssuer === m.issuer;
}

const sameAmount = (a: Amount, b: Amount) =>
  a.currency === b.currency && a.value === b.value && a.exponent === b.exponent;

/**
 * A CapToken is the gateway's own sealed note of an approval: it must name this XID and the code of
 * its first authorization or of one of its subsequent ones.
 */
async function checkCapToken(tx: Sql, token: CapTokenData, auth: AuthorizationRecord): Promise<void> {
  if (token.xid === auth.xid && token.authCode === auth.authCode) return;
  const rows =
    token.xid === auth.xid
      ? await tx.query(
          "SELECT 1 FROM gateway_subsequent_authorizations WHERE xid = $1 AND auth_code = $2 AND result = 'approved'",
          [auth.xid, token.authCode],
        )
      : [];
  if (rows.length === 0)
    throw new SetError('unknownXID', 'the CapToken was issued for another authorization');
}

/** What has been granted on a purchase, for the rules of subsequent-rules.ts. */
export function historyOf(auth: AuthorizationRecord): PurchaseHistory {
  return {
    granted: auth.granted,
    approved: auth.approvedCount,
    ...(auth.lastAuthorizedAt ? { lastAuthorizedAt: auth.lastAuthorizedAt } : {}),
  };
}

/**
 * A subsequent authorization seen again under the same key or RRPID: the same request gets the
 * stored answer; anything else under a used key or RRPID is refused, as for follow-ups.
 */
export function replayableSubsequent(
  record: SubsequentAuthorizationRecord,
  cmd: Pick<SubsequentCommand, 'idempotencyKey' | 'rrpid' | 'requestDigest' | 'amount' | 'captureNow'>,
): void {
  const same =
    record.idempotencyKey === cmd.idempotencyKey &&
    (record.rrpid === cmd.rrpid
      ? record.requestDigest === cmd.requestDigest
      : sameAmount(record.amount, cmd.amount) && record.captureNow === cmd.captureNow);
  if (!same) {
    throw new SetError(
      'unknownRRPID',
      record.idempotencyKey === cmd.idempotencyKey
        ? 'this idempotency key was already used for a different authorization on this XID; a new authorization needs a new key'
        : 'this RRPID was already used for another request on this XID',
    );
  }
}

/**
 * The authorization row ($1–$23) and its first Notification event ($24 id, $25 JSON), as one
 * statement: the event is written only when the row was (ON CONFLICT DO NOTHING inserts nothing
 * for an XID already recorded, and then nothing else is written either).
 */
/** `p` is the first of the four parameters after the events': PurchAmt, the plan, approvals, last approval. */
const insertAuthorization = (
  p: number,
) => `INSERT INTO gateway_authorizations (xid, rrpid, request_digest, merchant_id, merchant_name,
     merchant_kx_chain, brand_id, pan_last4, dual_signed, currency, exponent, requested_value,
     authorized_value, captured_value, refunded_value, result, state, auth_code, decline_reason,
     capture_now, response, created_at, updated_at, merchant_issuer, lid_m, purch_amt_value,
     install_recur, granted_value, approved_count, last_authorized_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, $15, $16, $17, $18, $19, $20, $21, $21, $22, $23,
     $${p}::bigint, $${p + 1}::text, $13, $${p + 2}::integer, $${p + 3}::timestamptz)
   ON CONFLICT (xid) DO NOTHING
   RETURNING xid`;
const notificationOf = (id: string, seq: number, kind: string, event: string) =>
  `INSERT INTO gateway_notifications (event_id, xid, seq, kind, source, event, created_at, status,
     enqueued_at, next_attempt_at)
   SELECT ${id}::text, a.xid, ${seq}, '${kind}', 'merchant', ${event}::text, $21::timestamptz, 'pending',
     $21::timestamptz, $21::timestamptz FROM a`;
const RECORD_AUTHORIZATION = prepared(`WITH a AS (${insertAuthorization(26)}),
  n1 AS (${notificationOf('$24', 1, 'authorization', '$25')})
SELECT xid FROM a`);
/** With CaptureNow: also the capture's event ($26 id, $27 JSON) and its payment event. */
const RECORD_CAPTURED_AUTHORIZATION = prepared(`WITH a AS (${insertAuthorization(28)}),
  n1 AS (${notificationOf('$24', 1, 'authorization', '$25')}),
  n2 AS (${notificationOf('$26', 2, 'capture', '$27')}),
  e AS (INSERT INTO gateway_payment_events (xid, rrpid, kind, source, request_digest, outcome, reason,
       currency, exponent, value, response, created_at, idempotency_key)
     SELECT a.xid, $2::text, 'capture', 'merchant', $3::text, 'accepted', NULL, $10::text, $11::smallint,
       $12::bigint, NULL, $21::timestamptz, NULL FROM a)
SELECT xid FROM a`);

async function insertEvent(tx: Sql, e: PaymentEventRecord): Promise<void> {
  await tx.query(
    `INSERT INTO gateway_payment_events (xid, rrpid, kind, source, request_digest, outcome, reason,
       currency, exponent, value, response, created_at, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      e.xid,
      e.rrpid,
      e.kind,
      e.source,
      e.requestDigest,
      e.outcome,
      e.reason ?? null,
      e.amount.currency,
      e.amount.exponent,
      e.amount.value,
      e.response ?? null,
      e.createdAt.toISOString(),
      e.idempotencyKey ?? null,
    ],
  );
}

// node-postgres returns bigint as a string, PGlite as a number; values stay below 2^53 (Amount ≤ 1e15).
const num = (v: unknown): number => Number(v);
const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const str = (v: unknown): string => String(v);

function authorizationOf(r: Row): AuthorizationRecord {
  return {
    xid: str(r.xid),
    rrpid: str(r.rrpid),
    requestDigest: str(r.request_digest),
    ...(r.lid_m ? { lidM: str(r.lid_m) } : {}),
    merchantId: str(r.merchant_id),
    ...(r.merchant_issuer ? { merchantIssuer: str(r.merchant_issuer) } : {}),
    merchantName: str(r.merchant_name),
    merchantKxChain: JSON.parse(str(r.merchant_kx_chain)) as string[],
    brandId: str(r.brand_id),
    panLast4: str(r.pan_last4),
    dualSigned: r.dual_signed === true,
    currency: str(r.currency),
    exponent: num(r.exponent),
    requested: num(r.requested_value),
    balances: {
      authorized: num(r.authorized_value),
      captured: num(r.captured_value),
      refunded: num(r.refunded_value),
    },
    result: str(r.result) as AuthorizationRecord['result'],
    state: str(r.state) as AuthorizationState,
    ...(r.auth_code ? { authCode: str(r.auth_code) } : {}),
    ...(r.decline_reason ? { declineReason: str(r.decline_reason) as DeclineReason } : {}),
    captureNow: r.capture_now === true,
    response: str(r.response),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    ...(r.purch_amt_value !== null && r.purch_amt_value !== undefined
      ? { purchAmtValue: num(r.purch_amt_value) }
      : {}),
    ...(r.install_recur ? { installRecurData: JSON.parse(str(r.install_recur)) as InstallRecurData } : {}),
    // Rows from before gateway/006 count their first approval.
    granted:
      r.purch_amt_value === null || r.purch_amt_value === undefined
        ? num(r.authorized_value)
        : num(r.granted_value),
    approvedCount:
      r.purch_amt_value === null || r.purch_amt_value === undefined
        ? r.result === 'approved'
          ? 1
          : 0
        : num(r.approved_count),
    ...(r.last_authorized_at ? { lastAuthorizedAt: date(r.last_authorized_at) } : {}),
  };
}

function subsequentOf(r: Row): SubsequentAuthorizationRecord {
  return {
    xid: str(r.xid),
    seq: num(r.seq),
    idempotencyKey: str(r.idempotency_key),
    rrpid: str(r.rrpid),
    requestDigest: str(r.request_digest),
    amount: { currency: str(r.currency), value: num(r.value), exponent: num(r.exponent) },
    captureNow: r.capture_now === true,
    result: str(r.result) as SubsequentAuthorizationRecord['result'],
    ...(r.auth_code ? { authCode: str(r.auth_code) } : {}),
    ...(r.decline_reason ? { declineReason: str(r.decline_reason) as DeclineReason } : {}),
    response: str(r.response),
    createdAt: date(r.created_at),
  };
}

function eventOf(r: Row): PaymentEventRecord {
  return {
    xid: str(r.xid),
    rrpid: str(r.rrpid),
    kind: str(r.kind) as FollowUpKind,
    source: str(r.source) as PaymentEventRecord['source'],
    requestDigest: str(r.request_digest),
    ...(r.idempotency_key ? { idempotencyKey: str(r.idempotency_key) } : {}),
    outcome: str(r.outcome) as PaymentEventRecord['outcome'],
    ...(r.reason ? { reason: str(r.reason) as RejectReason } : {}),
    amount: { currency: str(r.currency), value: num(r.value), exponent: num(r.exponent) },
    ...(r.response ? { response: str(r.response) } : {}),
    createdAt: date(r.created_at),
  };
}

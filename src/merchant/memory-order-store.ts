/**
 * An OrderStore in memory, for tests and examples: the site's orders are given up front (or
 * added with `addOrder`). Nothing survives a restart, so a real site implements OrderStore over
 * its database (see src/store's SqlOrderStore).
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
} from './order-store.ts';

export class MemoryOrderStore implements OrderStore {
  private readonly orders = new Map<string, OrderDescription>();
  private readonly transactions = new Map<string, SetTransaction>();
  private readonly seenEvents = new Set<string>();

  constructor(orders: Record<string, OrderDescription> = {}) {
    for (const [lidM, order] of Object.entries(orders)) this.addOrder(lidM, order);
  }

  addOrder(lidM: string, order: OrderDescription): void {
    this.orders.set(lidM, structuredClone(order));
  }

  async describe(lidM: string): Promise<OrderDescription | undefined> {
    const order = this.orders.get(lidM);
    if (!order || this.taken(lidM)) return undefined;
    return structuredClone(order);
  }

  async savePending(p: PendingPurchase): Promise<void> {
    if (this.transactions.has(p.xid)) throw new Error(`XID ${p.xid} is already stored`);
    this.transactions.set(p.xid, { ...structuredClone(p), followUps: [] });
  }

  async find(xid: string): Promise<SetTransaction | undefined> {
    const tx = this.transactions.get(xid);
    return tx ? structuredClone(tx) : undefined;
  }

  async transactionsFor(lidM: string): Promise<SetTransaction[]> {
    return [...this.transactions.values()].filter((t) => t.lidM === lidM).map((t) => structuredClone(t));
  }

  async claimAuthorization(xid: string, claim: AuthorizationClaim): Promise<ClaimResult> {
    const tx = this.transactions.get(xid);
    if (!tx) return { ok: false, reason: 'unknownXID' };
    if (tx.claim) return { ok: true, claim: structuredClone(tx.claim) };
    if (this.taken(tx.lidM)) return { ok: false, reason: 'orderTaken' };
    tx.claim = structuredClone(claim);
    return { ok: true, claim: structuredClone(claim) };
  }

  async releaseAuthorization(xid: string, rrpid: string): Promise<void> {
    const tx = this.transactions.get(xid);
    if (tx?.claim?.rrpid === rrpid && !tx.record) delete tx.claim;
  }

  async recordOutcome(xid: string, record: PurchaseRecord): Promise<PurchaseRecord> {
    const tx = this.transactions.get(xid);
    if (!tx) throw new Error(`no transaction ${xid}`);
    tx.record ??= structuredClone(record);
    return structuredClone(tx.record);
  }

  async beginFollowUp(xid: string, pending: PendingFollowUp): Promise<PendingFollowUp> {
    const tx = this.transactions.get(xid);
    if (!tx) throw new Error(`no transaction ${xid}`);
    tx.pendingFollowUp ??= structuredClone(pending);
    return structuredClone(tx.pendingFollowUp);
  }

  async recordFollowUp(xid: string, followUp: FollowUpRecord): Promise<void> {
    const tx = this.transactions.get(xid);
    if (!tx) throw new Error(`no transaction ${xid}`);
    const key = followUp.idempotencyKey;
    if (key !== undefined && tx.followUps.some((f) => f.idempotencyKey === key)) return;
    tx.followUps.push(structuredClone(followUp));
    if (key !== undefined && tx.pendingFollowUp?.idempotencyKey === key) delete tx.pendingFollowUp;
  }

  async abandonFollowUp(xid: string, idempotencyKey: string): Promise<void> {
    const tx = this.transactions.get(xid);
    if (tx?.pendingFollowUp?.idempotencyKey === idempotencyKey) delete tx.pendingFollowUp;
  }

  async recordSubsequent(xid: string, rec: SubsequentAuthorization): Promise<SubsequentAuthorization> {
    const tx = this.transactions.get(xid);
    if (!tx) throw new Error(`no transaction ${xid}`);
    const stored = tx.subsequent?.find((s) => s.idempotencyKey === rec.idempotencyKey);
    if (stored) return structuredClone(stored);
    tx.subsequent = [...(tx.subsequent ?? []), structuredClone(rec)];
    return structuredClone(rec);
  }

  async applyNotification(n: GatewayNotification): Promise<NotificationApplied> {
    if (this.seenEvents.has(n.eventId)) return 'duplicate';
    this.seenEvents.add(n.eventId);
    const tx = this.transactions.get(n.xid);
    if (!tx) return 'unknownTransaction';
    if (n.source === 'operator') {
      tx.operatorEvents = [...(tx.operatorEvents ?? []), structuredClone(n)].sort((a, b) => a.seq - b.seq);
    }
    if (tx.gateway && tx.gateway.seq >= n.seq) return 'stale';
    tx.gateway = structuredClone(n);
    return 'applied';
  }

  /** An order is taken while one of its XIDs is authorizing or approved. */
  private taken(lidM: string): boolean {
    for (const t of this.transactions.values()) {
      if (t.lidM !== lidM || !t.claim) continue;
      if (t.record?.outcome.result.status !== 'declined') return true;
    }
    return false;
  }
}

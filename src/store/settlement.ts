/**
 * The merchant's reconciliation report (SET-PROFILE §6 "Batches"; docs/merchant-guide.md "Batches
 * and settlement"): each of the gateway's batches, its items matched against the store's own
 * records. An item is `matched` when the order it names (LID-M) exists here and the store recorded
 * that very capture, refund or reversal (kind and amount) for that XID, or the gateway's operator
 * did and told the store by Notification (`operator`); otherwise `unknownOrder` (no such order
 * here) or `notRecorded` (the order exists, the store has no such record). The totals the store
 * expects from its matched records stand beside the gateway's settlement.
 */
import type {
  Amount,
  GatewayBatch,
  GatewayBatchItem,
  GatewayBatchTotal,
  GatewayClient,
  OrderStore,
  SetTransaction,
} from '../merchant/index.ts';
import type { Database } from '../storage/index.ts';
import { findOrder, type StoreOrder } from './store-orders.ts';

export type ItemMatch = 'matched' | 'operator' | 'notRecorded' | 'unknownOrder';

export interface ReconciledItem {
  item: GatewayBatchItem;
  order?: StoreOrder;
  match: ItemMatch;
}

export interface ReconciledBatch {
  batch: GatewayBatch;
  summary: GatewayBatchTotal[];
  items: ReconciledItem[];
  /** Per currency, the net the store's own matched records add up to (captured − refunded). */
  expected: { currency: string; exponent: number; net: number }[];
  /** Every item matched, and the store's net equals the gateway's, currency by currency. */
  agrees: boolean;
}

/** The most batches the report shows, newest first. */
export const SETTLEMENT_BATCHES = 10;

const REQUEST_OF: Record<GatewayBatchItem['kind'], string> = {
  capture: 'CapReq',
  captureReversal: 'CapRevReq',
  credit: 'CredReq',
  creditReversal: 'CredRevReq',
};
const sign = (kind: GatewayBatchItem['kind']) => (kind === 'capture' || kind === 'creditReversal' ? 1 : -1);
const sameAmount = (a: Amount, b: Amount) =>
  a.currency === b.currency && a.exponent === b.exponent && a.value === b.value;

/** The store's own records of money moved on one XID, each usable once. */
function recordsOf(
  t: SetTransaction | undefined,
): { kind: string; amount: Amount; by: 'merchant' | 'operator' }[] {
  if (!t) return [];
  const out: { kind: string; amount: Amount; by: 'merchant' | 'operator' }[] = [];
  if (t.record?.capturedWithAuthorization && t.record.outcome.result.status === 'approved') {
    out.push({ kind: 'CapReq', amount: t.record.authRes.result.amount, by: 'merchant' });
  }
  for (const f of t.followUps) {
    if (f.status !== 'rejected') out.push({ kind: f.request, amount: f.amount, by: 'merchant' });
  }
  for (const e of t.operatorEvents ?? []) {
    const request = Object.entries(REQUEST_OF).find(([kind]) => kind === e.kind)?.[1];
    if (request) out.push({ kind: request, amount: e.amount, by: 'operator' });
  }
  return out;
}

export async function reconcileBatch(
  gateway: GatewayClient,
  orders: OrderStore,
  db: Database,
  batch: GatewayBatch,
): Promise<ReconciledBatch> {
  const summary = (await gateway.batchSummary(batch.batchId))?.summary ?? [];
  const items: ReconciledItem[] = [];
  const unused = new Map<string, ReturnType<typeof recordsOf>>();
  const expected = new Map<string, { currency: string; exponent: number; net: number }>();
  for await (const item of gateway.allBatchItems(batch.batchId)) {
    const order = item.lidM ? await findOrder(db, item.lidM) : undefined;
    if (!order) {
      items.push({ item, match: 'unknownOrder' });
      continue;
    }
    if (!unused.has(item.xid)) unused.set(item.xid, recordsOf(await orders.find(item.xid)));
    const records = unused.get(item.xid)!;
    const at = records.findIndex(
      (r) => r.kind === REQUEST_OF[item.kind] && sameAmount(r.amount, item.amount),
    );
    if (at < 0) {
      items.push({ item, order, match: 'notRecorded' });
      continue;
    }
    const [record] = records.splice(at, 1);
    items.push({ item, order, match: record!.by === 'operator' ? 'operator' : 'matched' });
    const key = `${item.amount.currency}/${item.amount.exponent}`;
    const e = expected.get(key) ?? { currency: item.amount.currency, exponent: item.amount.exponent, net: 0 };
    e.net += sign(item.kind) * item.amount.value;
    expected.set(key, e);
  }
  const expectedList = [...expected.values()];
  const allMatched = items.every((i) => i.match === 'matched' || i.match === 'operator');
  // The gateway's net per currency (its settlement once settled is the same sum).
  const gatewayNet = new Map<string, number>();
  for (const t of summary) {
    const key = `${t.currency}/${t.exponent}`;
    gatewayNet.set(key, (gatewayNet.get(key) ?? 0) + sign(t.kind) * t.total);
  }
  const keys = new Set([...gatewayNet.keys(), ...expected.keys()]);
  const netsAgree = [...keys].every((k) => (gatewayNet.get(k) ?? 0) === (expected.get(k)?.net ?? 0));
  return { batch, summary, items, expected: expectedList, agrees: allMatched && netsAgree };
}

/** The newest batches, each reconciled. */
export async function settlementReport(
  gateway: GatewayClient,
  orders: OrderStore,
  db: Database,
): Promise<ReconciledBatch[]> {
  const { batches } = await gateway.listBatches({ limit: SETTLEMENT_BATCHES });
  const out: ReconciledBatch[] = [];
  for (const b of batches) out.push(await reconcileBatch(gateway, orders, db, b));
  return out;
}

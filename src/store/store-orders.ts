/**
 * The shop's own orders. Checkout turns the cart into an order (its lines, total and the order
 * description the wallet will show) and empties the cart, in one transaction. The order id is the
 * LID-M the payment initiation declares and the merchant SDK looks the order up by. The cart's id
 * is the shopper session's (src/store/sessions.ts), and the order belongs to that session.
 */
import { randomBytes } from 'node:crypto';
import type { Amount, InstallRecurData, SetTransaction } from '../merchant/index.ts';
import type { Database } from '../storage/index.ts';
import { cartLines } from './carts.ts';
import { productById, productName } from './catalogue.ts';
import type { StoreText } from './text/index.ts';

export interface OrderLine {
  productId: string;
  name: string;
  quantity: number;
  unitPrice: Amount;
  total: Amount;
}

export interface StoreOrder {
  id: string;
  description: string;
  lines: OrderLine[];
  amount: Amount;
  createdAt: Date;
  /** The shopper session that placed it (none for orders from before sessions owned orders). */
  sessionId?: string;
  /** With a subscription: the plan the cardholder signs (SET-PROFILE §6). */
  installRecurData?: InstallRecurData;
  /** With a pre-order: what is authorized at purchase; the rest when it ships (split shipment). */
  authorizeFirst?: Amount;
}

/** What remains of what the cardholder signed, to authorize when the rest of the order ships. */
export function remainingOf(tx: SetTransaction): Amount {
  const first = tx.record?.outcome.result;
  let granted = first?.status === 'approved' ? first.amount.value : 0;
  for (const s of tx.subsequent ?? []) if (s.result.status === 'approved') granted += s.result.amount.value;
  return { ...tx.purchAmt, value: Math.max(tx.purchAmt.value - granted, 0) };
}

/** What each later payment of the order's subscription charges: its subscription lines. */
export function recurringAmountOf(order: StoreOrder): Amount | undefined {
  const lines = order.lines.filter((l) => productById(l.productId)?.subscription);
  if (!lines.length || !order.installRecurData) return undefined;
  return { ...order.amount, value: lines.reduce((n, l) => n + l.total.value, 0) };
}

export const ORDER_ID = /^ord-[A-Za-z0-9_-]{16}$/;

/** Turns the session's cart into an order the session owns; undefined when the cart is empty. */
export async function placeOrder(
  db: Database,
  sessionId: string,
  storeName: string,
  /** The shopper's language: the order description is written in it. */
  tx: StoreText,
  now = new Date(),
): Promise<string | undefined> {
  const lines = await cartLines(db, sessionId);
  if (!lines.length) return undefined;
  const currency = lines[0]!.product.price.currency;
  const exponent = lines[0]!.product.price.exponent;
  const orderLines: OrderLine[] = lines.map(({ product, quantity }) => ({
    productId: product.id,
    name: product.name,
    quantity,
    unitPrice: product.price,
    total: { currency, exponent, value: product.price.value * quantity },
  }));
  const amount: Amount = { currency, exponent, value: orderLines.reduce((n, l) => n + l.total.value, 0) };
  const id = `ord-${randomBytes(12).toString('base64url')}`;
  // A subscription: the first payment now (the whole order), then the subscription lines again
  // every frequencyDays until its months are up, never above this first payment.
  const subscription = lines.map((l) => l.product.subscription).find((s) => s !== undefined);
  let plan: InstallRecurData | undefined;
  if (subscription) {
    const until = new Date(now);
    until.setUTCMonth(until.getUTCMonth() + subscription.months);
    plan = {
      kind: 'recurring',
      frequencyDays: subscription.frequencyDays,
      until: until.toISOString().slice(0, 10),
      ceiling: amount,
    };
  }
  // A pre-order ships later: only the rest is authorized at purchase (split shipment).
  const later = orderLines
    .filter((l) => productById(l.productId)?.shipsLater)
    .reduce((n, l) => n + l.total.value, 0);
  const authorizeFirst =
    !plan && later > 0 && later < amount.value ? { ...amount, value: amount.value - later } : undefined;
  // SET's OD: what the cardholder reads in the wallet and signs through HOD.
  const description = tx.text('orderDescriptionFull', {
    store: storeName,
    order: id,
    lines: orderLines
      .map((l) =>
        tx.text('orderDescriptionLine', {
          quantity: l.quantity,
          product: productName(tx, l.productId, l.name),
          price: tx.amount(l.unitPrice),
        }),
      )
      .join(', '),
    total: tx.amount(amount),
  });
  const fullDescription = authorizeFirst
    ? `${description} ${tx.text('orderDescriptionPreOrder')}`
    : description;
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO store_orders (id, description, lines, amount, session_id, install_recur, authorize_first)
       VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6::jsonb, $7::jsonb)`,
      [
        id,
        fullDescription,
        JSON.stringify(orderLines),
        JSON.stringify(amount),
        sessionId,
        plan ? JSON.stringify(plan) : null,
        authorizeFirst ? JSON.stringify(authorizeFirst) : null,
      ],
    );
    await tx.query('DELETE FROM store_cart_items WHERE cart_id = $1', [sessionId]);
  });
  return id;
}

interface OrderRow {
  [key: string]: unknown;
  id: string;
  description: string;
  lines: OrderLine[];
  amount: Amount;
  created_at: Date | string;
  session_id: string | null;
  install_recur: InstallRecurData | null;
  authorize_first: Amount | null;
}

const toOrder = (r: OrderRow): StoreOrder => ({
  id: r.id,
  description: r.description,
  lines: r.lines,
  amount: r.amount,
  createdAt: new Date(r.created_at),
  ...(r.session_id ? { sessionId: r.session_id } : {}),
  ...(r.install_recur ? { installRecurData: r.install_recur } : {}),
  ...(r.authorize_first ? { authorizeFirst: r.authorize_first } : {}),
});

const COLUMNS = 'id, description, lines, amount, created_at, session_id, install_recur, authorize_first';

export async function findOrder(db: Database, id: string): Promise<StoreOrder | undefined> {
  if (!ORDER_ID.test(id)) return undefined;
  const rows = await db.query<OrderRow>(`SELECT ${COLUMNS} FROM store_orders WHERE id = $1`, [id]);
  return rows[0] ? toOrder(rows[0]) : undefined;
}

/** The most recent orders: of one shopper session, or (for the merchant) of everyone. */
export async function recentOrders(
  db: Database,
  of: { sessionId: string } | 'everyone',
  limit = 50,
): Promise<StoreOrder[]> {
  const rows =
    of === 'everyone'
      ? await db.query<OrderRow>(
          `SELECT ${COLUMNS} FROM store_orders ORDER BY created_at DESC, id LIMIT $1`,
          [limit],
        )
      : await db.query<OrderRow>(
          `SELECT ${COLUMNS} FROM store_orders WHERE session_id = $1 ORDER BY created_at DESC, id LIMIT $2`,
          [of.sessionId, limit],
        );
  return rows.map(toOrder);
}

/**
 * The shop's own orders. Checkout turns the cart into an order (its lines, total and the order
 * description the wallet will show) and empties the cart, in one transaction. The order id is the
 * LID-M the payment initiation declares and the merchant SDK looks the order up by.
 */
import { randomBytes } from 'node:crypto';
import { type Amount, formatAmount } from '../merchant/index.ts';
import type { Database } from '../storage/index.ts';
import { cartLines } from './carts.ts';

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
}

export const ORDER_ID = /^ord-[A-Za-z0-9_-]{16}$/;

export async function placeOrder(
  db: Database,
  cartId: string,
  storeName: string,
): Promise<string | undefined> {
  const lines = await cartLines(db, cartId);
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
  // SET's OD: what the cardholder reads in the wallet and signs through HOD.
  const description = `${storeName} order ${id}: ${orderLines
    .map((l) => `${l.quantity} × ${l.name} (${formatAmount(l.unitPrice)})`)
    .join(', ')}. Total ${formatAmount(amount)}.`;
  await db.transaction(async (tx) => {
    await tx.query(
      'INSERT INTO store_orders (id, description, lines, amount) VALUES ($1, $2, $3::jsonb, $4::jsonb)',
      [id, description, JSON.stringify(orderLines), JSON.stringify(amount)],
    );
    await tx.query('DELETE FROM store_cart_items WHERE cart_id = $1', [cartId]);
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
}

const toOrder = (r: OrderRow): StoreOrder => ({
  id: r.id,
  description: r.description,
  lines: r.lines,
  amount: r.amount,
  createdAt: new Date(r.created_at),
});

export async function findOrder(db: Database, id: string): Promise<StoreOrder | undefined> {
  if (!ORDER_ID.test(id)) return undefined;
  const rows = await db.query<OrderRow>(
    'SELECT id, description, lines, amount, created_at FROM store_orders WHERE id = $1',
    [id],
  );
  return rows[0] ? toOrder(rows[0]) : undefined;
}

export async function recentOrders(db: Database, limit = 50): Promise<StoreOrder[]> {
  const rows = await db.query<OrderRow>(
    'SELECT id, description, lines, amount, created_at FROM store_orders ORDER BY created_at DESC, id LIMIT $1',
    [limit],
  );
  return rows.map(toOrder);
}

/**
 * Server-side carts, one per shopper session: the browser holds only the session id in a cookie
 * (src/store/sessions.ts); the lines live here.
 * Quantities are 1–99 per product (the table checks it too).
 */
import type { Database } from '../storage/index.ts';
import { type Product, productById } from './catalogue.ts';

export const MAX_QUANTITY = 99;

export interface CartLine {
  product: Product;
  quantity: number;
}

export async function cartLines(db: Database, cartId: string | undefined): Promise<CartLine[]> {
  if (!cartId) return [];
  const rows = await db.query<{ product_id: string; quantity: number }>(
    'SELECT product_id, quantity FROM store_cart_items WHERE cart_id = $1 ORDER BY product_id',
    [cartId],
  );
  return rows.flatMap((r) => {
    const product = productById(r.product_id);
    return product ? [{ product, quantity: r.quantity }] : [];
  });
}

export async function addToCart(
  db: Database,
  cartId: string,
  productId: string,
  quantity: number,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO store_carts (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [cartId]);
    await tx.query(
      `INSERT INTO store_cart_items (cart_id, product_id, quantity) VALUES ($1, $2, $3)
       ON CONFLICT (cart_id, product_id)
       DO UPDATE SET quantity = LEAST($4, store_cart_items.quantity + EXCLUDED.quantity)`,
      [cartId, productId, quantity, MAX_QUANTITY],
    );
  });
}

/** Sets a line's quantity; zero removes it. */
export async function setQuantity(
  db: Database,
  cartId: string,
  productId: string,
  quantity: number,
): Promise<void> {
  if (quantity === 0) {
    await db.query('DELETE FROM store_cart_items WHERE cart_id = $1 AND product_id = $2', [
      cartId,
      productId,
    ]);
    return;
  }
  await db.query('UPDATE store_cart_items SET quantity = $3 WHERE cart_id = $1 AND product_id = $2', [
    cartId,
    productId,
    quantity,
  ]);
}

/**
 * The demo store: a catalogue, a server-side cart, and a SET checkout built only with the merchant
 * SDK, so it doubles as the reference integration (docs/merchant-guide.md). POST /set mounts the
 * SDK's endpoint over the store's SqlOrderStore; each order page declares the payment initiation
 * while the order awaits payment and shows the SET result, with the merchant's capture, refund
 * and reverse actions, once it is paid.
 */

import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import {
  type Amount,
  createMerchantActions,
  createSetEndpoint,
  describeRejection,
  GatewayUnavailableError,
  MerchantActionError,
  type MerchantActions,
  parseAmountInput,
  REJECT_REASONS,
  type RejectReason,
  type SetEndpointOptions,
  SetError,
  setErrorResponse,
} from '../merchant/index.ts';
import { type Database, migrate } from '../storage/index.ts';
import type { SafeHtml } from '../web/html.ts';
import { CHECKOUT_SCRIPT, STYLESHEET } from './assets.ts';
import { addToCart, cartLines, setQuantity } from './carts.ts';
import { productById } from './catalogue.ts';
import { AddToCartForm, AmountForm, parseForm, UpdateCartForm } from './forms.ts';
import { STORE_MIGRATIONS } from './migrations.ts';
import { orderPayment } from './order-payment.ts';
import { cartPage } from './pages/cart-page.ts';
import { cataloguePage } from './pages/catalogue-page.ts';
import { layout } from './pages/layout.ts';
import { orderPage } from './pages/order-page.ts';
import { ordersPage } from './pages/orders-page.ts';
import { problemPage } from './pages/problem-page.ts';
import { SqlOrderStore } from './sql-order-store.ts';
import { findOrder, placeOrder, recentOrders } from './store-orders.ts';

export interface DemoStoreOptions {
  db: Database;
  /** The SDK endpoint's options (merchant keys, gateway client, roots, CRLs…) less `orders`. */
  setEndpoint: Omit<SetEndpointOptions, 'orders'>;
  /** Brands the payment initiation offers (default ['SETPay']). */
  brandIds?: string[];
  /** The store's origin as the browser sees it, e.g. http://127.0.0.1:8443. */
  publicOrigin: string;
  storeName?: string;
  /** Where a shopper without the wallet learns how to install it. */
  walletHelpUrl?: string;
  /** The sandbox issuer's test-card page. */
  testCardsUrl?: string;
  log?: (message: string, cause?: unknown) => void;
}

export interface DemoStore {
  app: Hono;
  orders: SqlOrderStore;
  actions: MerchantActions;
}

const CART_COOKIE = 'store_cart';
const CART_ID = /^[A-Za-z0-9_-]{24}$/;
const MAX_FORM_BYTES = 4 * 1024;
const ACTIONS = ['capture', 'refund', 'reverse'] as const;
type Action = (typeof ACTIONS)[number];

const DONE: Record<Action, string> = {
  capture: 'Captured: the money is on its way to the shop.',
  refund: 'Refunded.',
  reverse: 'The authorization has been reversed: nothing will be charged.',
};
const PROBLEMS: Record<string, string> = {
  unknownTransaction: 'This order has no SET payment yet.',
  notAuthorized: 'This order’s payment was not authorized.',
  alreadyCaptured: 'The payment has already been captured.',
  notCaptured: 'Nothing has been captured yet, so there is nothing to refund.',
  alreadyReversed: 'The authorization has already been reversed.',
  invalidAmount: 'Enter an amount like 12.50, more than zero.',
  amountTooLarge: 'That amount is more than the payment allows.',
  gatewayUnavailable: 'The payment gateway could not be reached. Nothing changed; try again shortly.',
  gatewayError: 'The payment gateway refused the request. Nothing changed.',
};

export async function createDemoStore(opts: DemoStoreOptions): Promise<DemoStore> {
  await migrate(opts.db, STORE_MIGRATIONS);
  const db = opts.db;
  const storeName = opts.storeName ?? 'SET Demo Store';
  const brands = opts.brandIds ?? ['SETPay'];
  const log = opts.log ?? ((message: string, cause?: unknown) => console.error(message, cause ?? ''));
  const now = opts.setEndpoint.now ?? (() => new Date());
  const orders = new SqlOrderStore(db);
  const setHandler = createSetEndpoint({ ...opts.setEndpoint, orders, log: opts.setEndpoint.log ?? log });
  const actions = createMerchantActions({ gateway: opts.setEndpoint.gateway, orders, now });
  const secure = opts.publicOrigin.startsWith('https:');

  const app = new Hono();

  app.use('*', async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    c.header(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
  });

  // The SET endpoint: the SDK reads, limits and answers the body itself.
  app.all('/set', (c) => setHandler(c.req.raw));

  // Forms: small bodies only, and only from our own pages (a cross-site form post is refused).
  app.use('*', async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const origin = c.req.header('origin');
    if ((origin && origin !== opts.publicOrigin) || c.req.header('sec-fetch-site') === 'cross-site') {
      return page(
        c,
        403,
        'Not allowed',
        problemPage('Not allowed', 'Forms are accepted from this store’s own pages only.'),
      );
    }
    return next();
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_FORM_BYTES,
      onError: (c) =>
        page(c, 413, 'Too much', problemPage('Too much', 'That form was larger than this store accepts.')),
    }),
  );

  async function cartCount(c: Context): Promise<number> {
    return (await cartLines(db, cartIdOf(c))).reduce((n, l) => n + l.quantity, 0);
  }

  function cartIdOf(c: Context): string | undefined {
    const id = getCookie(c, CART_COOKIE);
    return id && CART_ID.test(id) ? id : undefined;
  }

  async function page(
    c: Context,
    status: number,
    title: string,
    body: SafeHtml,
    extra: { head?: SafeHtml; scripts?: string[] } = {},
  ) {
    const count = await cartCount(c).catch(() => 0);
    return c.html(layout({ title, storeName, cartCount: count, body, ...extra }), status as 200);
  }

  app.get('/assets/store.css', (c) => c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8' }));
  app.get('/assets/checkout.js', (c) =>
    c.body(CHECKOUT_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );

  app.get('/', (c) => page(c, 200, 'Catalogue', cataloguePage()));

  app.get('/cart', async (c) => page(c, 200, 'Your cart', cartPage(await cartLines(db, cartIdOf(c)))));

  app.post('/cart', async (c) => {
    const form = parseForm(AddToCartForm, await c.req.parseBody());
    if (!form || !productById(form.productId)) {
      return page(
        c,
        422,
        'Not added',
        problemPage('Not added', 'Choose a product from the catalogue and a quantity from 1 to 99.'),
      );
    }
    let cartId = cartIdOf(c);
    if (!cartId) {
      cartId = randomBytes(18).toString('base64url');
      setCookie(c, CART_COOKIE, cartId, {
        httpOnly: true,
        sameSite: 'Lax',
        path: '/',
        secure,
        maxAge: 30 * 86400,
      });
    }
    await addToCart(db, cartId, form.productId, form.quantity);
    return c.redirect('/cart', 303);
  });

  app.post('/cart/update', async (c) => {
    const form = parseForm(UpdateCartForm, await c.req.parseBody());
    const cartId = cartIdOf(c);
    if (!form || !cartId) {
      return page(c, 422, 'Not updated', problemPage('Not updated', 'Quantities go from 0 (remove) to 99.'));
    }
    await setQuantity(db, cartId, form.productId, form.quantity);
    return c.redirect('/cart', 303);
  });

  app.post('/checkout', async (c) => {
    const cartId = cartIdOf(c);
    const orderId = cartId ? await placeOrder(db, cartId, storeName) : undefined;
    return c.redirect(orderId ? `/orders/${orderId}` : '/cart', 303);
  });

  app.get('/orders', async (c) => {
    const rows = await Promise.all(
      (await recentOrders(db)).map(async (order) => ({
        order,
        payment: await orderPayment(orders, order.id),
      })),
    );
    return page(c, 200, 'Orders', ordersPage(rows));
  });

  app.get('/orders/:id', async (c) => {
    const order = await findOrder(db, c.req.param('id'));
    if (!order)
      return page(
        c,
        404,
        'No such order',
        problemPage('No such order', 'There is no order with this number.'),
      );
    const payment = await orderPayment(orders, order.id);
    const view = orderPage({
      order,
      payment,
      brands,
      storeName,
      ...flashOf(c),
      ...(opts.walletHelpUrl ? { walletHelpUrl: opts.walletHelpUrl } : {}),
      ...(opts.testCardsUrl ? { testCardsUrl: opts.testCardsUrl } : {}),
    });
    c.header('cache-control', 'no-store');
    return page(c, 200, view.title, view.body, { head: view.head, scripts: view.scripts });
  });

  app.get('/orders/:id/status', async (c) => {
    const order = await findOrder(db, c.req.param('id'));
    if (!order) return c.json({ error: 'no such order' }, 404);
    c.header('cache-control', 'no-store');
    return c.json({ state: (await orderPayment(orders, order.id)).state });
  });

  for (const action of ACTIONS) {
    app.post(`/orders/:id/${action}`, async (c) => {
      const order = await findOrder(db, c.req.param('id'));
      if (!order)
        return page(
          c,
          404,
          'No such order',
          problemPage('No such order', 'There is no order with this number.'),
        );
      const back = (query: string) => c.redirect(`/orders/${order.id}?${query}`, 303);
      const payment = await orderPayment(orders, order.id);
      const xid = payment.current?.record ? payment.current.xid : undefined;
      if (!xid) return back('problem=notAuthorized');
      let amount: Amount | undefined;
      if (action !== 'reverse') {
        const form = parseForm(AmountForm, await c.req.parseBody());
        amount = form && parseAmountInput(form.amount, order.amount);
        if (!amount) return back('problem=invalidAmount');
      }
      try {
        const result =
          action === 'capture'
            ? await actions.capture(xid, amount)
            : action === 'refund'
              ? await actions.refund(xid, amount!)
              : await actions.reverse(xid);
        if (result.status === 'rejected')
          return back(`problem=rejected${result.reason ? `&reason=${result.reason}` : ''}`);
        return back(`done=${action}`);
      } catch (e) {
        if (e instanceof MerchantActionError) return back(`problem=${e.problem}`);
        if (e instanceof GatewayUnavailableError) {
          log(`demo store: ${e.message}`);
          return back('problem=gatewayUnavailable');
        }
        if (e instanceof SetError) {
          log(`demo store: the gateway refused a ${action}: ${e.code}: ${e.message}`);
          return back('problem=gatewayError');
        }
        throw e;
      }
    });
  }

  app.notFound((c) =>
    page(c, 404, 'Not found', problemPage('Not found', 'There is no page at this address.')),
  );

  app.onError((err, c) => {
    log(`demo store: ${c.req.method} ${c.req.path} failed`, err);
    if (c.req.path === '/set')
      return setErrorResponse('', err, opts.setEndpoint.merchant.signature, now(), log);
    return page(
      c,
      422,
      'Something went wrong',
      problemPage('Something went wrong', 'The store could not do that just now. Please try again.'),
    );
  });

  return { app, orders, actions };
}

/** The notice a PRG redirect asked for, from a fixed list of texts (never echoing the query). */
function flashOf(c: Context): { flash?: { ok: boolean; text: string } } {
  const done = c.req.query('done');
  if (done && (ACTIONS as readonly string[]).includes(done))
    return { flash: { ok: true, text: DONE[done as Action] } };
  const problem = c.req.query('problem');
  if (problem === 'rejected') {
    const reason = c.req.query('reason');
    const known = (REJECT_REASONS as readonly string[]).includes(reason ?? '')
      ? (reason as RejectReason)
      : undefined;
    return { flash: { ok: false, text: `The payment gateway turned it down: ${describeRejection(known)}` } };
  }
  if (problem && Object.hasOwn(PROBLEMS, problem)) return { flash: { ok: false, text: PROBLEMS[problem]! } };
  return {};
}

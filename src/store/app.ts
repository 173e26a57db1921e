/**
 * The demo store: a catalogue, a server-side cart, and a SET checkout built only with the merchant
 * SDK, so it doubles as the reference integration (docs/merchant-guide.md). POST /set mounts the
 * SDK's endpoint over the store's SqlOrderStore; each order page declares the payment initiation
 * while the order awaits payment and shows the SET result once it is paid.
 *
 * Who may do what (src/store/sessions.ts): a shopper session owns its cart and the orders it
 * placed, and sees no other order (another's order is "not found", so its existence is not
 * revealed either). Capture, refund, the reversals, and the back office listing every order, need
 * the merchant's sign-in. Every POST but /set is a form read by readStoreForm (400 or 413 with a
 * sentence when malformed or too large), sent from the store's own pages (Origin, Fetch Metadata)
 * and carrying the form token of the session it acts for; anything else is refused with 403
 * before anything changes.
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import type * as v from 'valibot';
import {
  type Amount,
  createMerchantActions,
  createNotificationHandler,
  createSetEndpoint,
  GatewayUnavailableError,
  MerchantActionError,
  type MerchantActions,
  parseAmount,
  REJECT_REASONS,
  type RejectReason,
  type SetEndpointOptions,
  SetError,
  SetWalletError,
  setErrorResponse,
} from '../merchant/index.ts';
import { type Database, DatabaseUnavailableError, migrate } from '../storage/index.ts';
import {
  type FormProblem,
  fromOwnPages,
  healthResponse,
  languageHeaders,
  languageSwitch,
  type SafeHtml,
  siteTextFor,
} from '../web/index.ts';
import { CHECKOUT_SCRIPT, STYLESHEET } from './assets.ts';
import { addToCart, cartLines, setQuantity } from './carts.ts';
import { productById } from './catalogue.ts';
import {
  AddToCartForm,
  AmountForm,
  CloseBatchForm,
  readStoreForm,
  TokenForm,
  UpdateCartForm,
} from './forms.ts';
import { STORE_MIGRATIONS } from './migrations.ts';
import { orderPayment } from './order-payment.ts';
import { cartPage } from './pages/cart-page.ts';
import { cataloguePage } from './pages/catalogue-page.ts';
import { layout } from './pages/layout.ts';
import { orderPage, REJECTION_WORDS } from './pages/order-page.ts';
import { backOfficePage, ordersPage } from './pages/orders-page.ts';
import { problemPage } from './pages/problem-page.ts';
import { settlementFlash, settlementPage } from './pages/settlement-page.ts';
import { payWithSetScript } from './pay-with-set-asset.ts';
import { StoreSessions, type Visitor } from './sessions.ts';
import { settlementReport } from './settlement.ts';
import { SqlOrderStore } from './sql-order-store.ts';
import {
  findOrder,
  placeOrder,
  recentOrders,
  recurringAmountOf,
  remainingOf,
  type StoreOrder,
} from './store-orders.ts';
import { STORE_TEXT, type StoreKey, type StoreText } from './text/index.ts';

export interface DemoStoreOptions {
  db: Database;
  /** The SDK endpoint's options (merchant keys, gateway client, roots, CRLs…) less `orders`. */
  setEndpoint: Omit<SetEndpointOptions, 'orders'>;
  /** Brands the payment initiation offers (default ['SETPay']). */
  brandIds?: string[];
  /** The store's origin as the browser sees it, e.g. http://127.0.0.1:8443. */
  publicOrigin: string;
  /**
   * The merchant's operator token (at least 16 characters): /back-office?token=… signs the
   * merchant in. The sandbox makes one per data folder and prints the link.
   */
  merchantToken: string;
  storeName?: string;
  /** Where a shopper without the wallet learns how to install it. */
  walletHelpUrl?: string;
  /** The sandbox issuer's test-card page. */
  testCardsUrl?: string;
  log?: (message: string, cause?: unknown) => void;
}

/** Where the store takes the gateway's Notifications (registered with NotifyRegReq at start). */
export const NOTIFICATIONS_PATH = '/set/notifications';

type Env = { Variables: { visitor: Visitor } };

export interface DemoStore {
  app: Hono<Env>;
  orders: SqlOrderStore;
  actions: MerchantActions;
}

const ACTIONS = [
  'capture',
  'refund',
  'reverse',
  'reverse-capture',
  'reverse-refund',
  'reconcile',
  'authorize-rest',
  'charge-next',
] as const;
/** The actions that take an amount. */
const WITH_AMOUNT: readonly Action[] = ['capture', 'refund', 'reverse-capture', 'reverse-refund'];
type Action = (typeof ACTIONS)[number];

const DONE: Record<Action, StoreKey> = {
  capture: 'doneCapture',
  refund: 'doneRefund',
  reverse: 'doneReverse',
  'reverse-capture': 'doneReverseCapture',
  'reverse-refund': 'doneReverseRefund',
  reconcile: 'doneReconcile',
  'authorize-rest': 'doneAuthorizeRest',
  'charge-next': 'doneChargeNext',
};
const PROBLEMS: Record<string, StoreKey> = {
  unknownTransaction: 'problemUnknownTransaction',
  notAuthorized: 'problemNotAuthorized',
  alreadyCaptured: 'problemAlreadyCaptured',
  notCaptured: 'problemNotCaptured',
  notRefunded: 'problemNotRefunded',
  alreadyReversed: 'problemAlreadyReversed',
  invalidAmount: 'problemInvalidAmount',
  amountTooLarge: 'problemAmountTooLarge',
  gatewayUnavailable: 'problemGatewayUnavailable',
  pendingConfirmation: 'problemPendingConfirmation',
  gatewayError: 'problemGatewayError',
  nothingMoreToAuthorize: 'problemNothingMoreToAuthorize',
  declined: 'problemDeclined',
  planRefused: 'problemPlanRefused',
};

/** What the store says of a body that is not a form (src/web/forms.ts). */
const FORM_PROBLEMS: Record<FormProblem, StoreKey> = {
  cutShort: 'formCutShort',
  tooLarge: 'formTooLarge',
  notUtf8: 'formNotUtf8',
  noBoundary: 'formNoBoundary',
  malformedMultipart: 'formMalformedMultipart',
  wrongType: 'formWrongType',
  tooManyFields: 'formTooManyFields',
  file: 'formFile',
  fieldTooLong: 'formFieldTooLong',
  fieldTwice: 'formFieldTwice',
};

/** The request's words, amounts and dates, in the language it asks for (src/web/i18n.ts). */
const textOf = (c: Context): StoreText => siteTextFor(STORE_TEXT, c.req.raw);

export async function createDemoStore(opts: DemoStoreOptions): Promise<DemoStore> {
  await migrate(opts.db, STORE_MIGRATIONS);
  const db = opts.db;
  const storeNameIn = (tx: StoreText) => opts.storeName ?? tx.text('defaultStoreName');
  const brands = opts.brandIds ?? ['SETPay'];
  const log = opts.log ?? ((message: string, cause?: unknown) => console.error(message, cause ?? ''));
  const now = opts.setEndpoint.now ?? (() => new Date());
  const orders = new SqlOrderStore(db);
  const setHandler = await createSetEndpoint({
    ...opts.setEndpoint,
    orders,
    log: opts.setEndpoint.log ?? log,
  });
  const actions = createMerchantActions({
    gateway: opts.setEndpoint.gateway,
    orders,
    merchant: opts.setEndpoint.merchant,
    now,
  });
  const revocation = opts.setEndpoint.revocation;
  const notificationHandler = createNotificationHandler({
    merchant: opts.setEndpoint.merchant,
    orders,
    trustedRoots: opts.setEndpoint.trustedRoots,
    ...(revocation ? { crls: async () => (await revocation()).crls } : {}),
    now,
    log,
  });
  const sessions = new StoreSessions(opts.merchantToken, opts.publicOrigin.startsWith('https:'), now);

  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    c.header(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
  });

  // The pages' language switcher (?lang=xx): a cookie, then the same page without the parameter.
  app.use('*', async (c, next) => languageSwitch(c.req.raw) ?? next());

  // The SET endpoint: the SDK reads, limits and answers the body itself.
  app.all('/set', (c) => setHandler(c.req.raw));
  // The gateway's Notifications: signed by the gateway, verified by the SDK (not a form of ours).
  app.all(NOTIFICATIONS_PATH, (c) => notificationHandler(c.req.raw));

  // Who is asking. A page gives a new browser its shopper session, so its forms carry a token.
  app.use('*', async (c, next) => {
    const visitor = sessions.visitor(c);
    if (!visitor.shopper && c.req.method === 'GET' && !c.req.path.startsWith('/assets/')) {
      visitor.shopper = sessions.startShopper(c);
    }
    c.set('visitor', visitor);
    return next();
  });

  // Forms only from our own pages: a post another origin's page makes is refused before it is read.
  app.use('*', async (c, next) => {
    if (
      c.req.method !== 'GET' &&
      c.req.method !== 'HEAD' &&
      !fromOwnPages(c.req.raw.headers, opts.publicOrigin)
    ) {
      return refused(c, 'notFromStore');
    }
    return next();
  });

  async function page(
    c: Context<Env>,
    status: number,
    title: StoreKey | SafeHtml,
    body: (tx: StoreText) => SafeHtml,
    extra: { head?: SafeHtml; scripts?: string[] } = {},
  ) {
    const tx = textOf(c);
    const visitor = c.get('visitor') ?? {};
    const lines = await cartLines(db, visitor.shopper).catch(() => []);
    const cartCount = lines.reduce((n, l) => n + l.quantity, 0);
    const frame = {
      tx,
      title: typeof title === 'string' ? tx.t(title) : title,
      storeName: storeNameIn(tx),
      cartCount,
      body: body(tx),
      merchant: visitor.merchant !== undefined,
      ...extra,
    };
    for (const [name, value] of Object.entries(languageHeaders(tx.locale))) c.header(name, value);
    return c.html(layout(frame), status as 200);
  }

  /** A page saying what went wrong: its title and sentence from the catalogue. */
  const problem = (c: Context<Env>, status: number, title: StoreKey, text: StoreKey) =>
    page(c, status, title, (tx) => problemPage(tx, tx.t(title), tx.t(text)));
  const refused = (c: Context<Env>, text: StoreKey) => problem(c, 403, 'notAllowedTitle', text);
  const notFound = (c: Context<Env>) => problem(c, 404, 'noOrderTitle', 'noOrder');

  /**
   * The form a shopper (or the merchant) posted, read and checked against its session's form
   * token before anything else looks at it; or the page that refuses it.
   */
  async function formOf<S extends v.GenericSchema>(
    c: Context<Env>,
    schema: S,
    as: 'shopper' | 'merchant',
  ): Promise<{ form: v.InferOutput<S> | undefined } | Response> {
    const read = await readStoreForm(c.req.raw, schema);
    if (!read.ok) {
      const key = FORM_PROBLEMS[read.reason];
      const title: StoreKey = read.status === 413 ? 'tooMuchTitle' : 'notAFormTitle';
      return page(c, read.status, title, (tx) => {
        const detail = read.detail ?? '';
        const vars = { limit: /^\d+$/.test(detail) ? tx.number(Number(detail)) : detail, field: detail };
        return problemPage(tx, tx.t(title), tx.t(key, vars));
      });
    }
    const visitor = c.get('visitor');
    const tokenOk =
      as === 'merchant'
        ? sessions.merchantTokenMatches(visitor.merchant, read.csrf)
        : sessions.shopperTokenMatches(visitor.shopper, read.csrf);
    if (!tokenOk) {
      return refused(c, visitor.shopper || visitor.merchant ? 'formStale' : 'noCookie');
    }
    return { form: read.form };
  }

  /** The order, if this visitor may see it: the shopper session that placed it, or the merchant. */
  async function visibleOrder(c: Context<Env>): Promise<StoreOrder | undefined> {
    const order = await findOrder(db, c.req.param('id') ?? '');
    const { shopper, merchant } = c.get('visitor');
    if (!order) return undefined;
    return merchant !== undefined || (shopper !== undefined && order.sessionId === shopper)
      ? order
      : undefined;
  }

  app.get('/assets/store.css', (c) => c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8' }));
  app.get('/assets/checkout.js', (c) =>
    c.body(CHECKOUT_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/assets/pay-with-set.js', async (c) =>
    c.body(await payWithSetScript(), 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );

  const shopperCsrf = (c: Context<Env>) => sessions.shopperToken(c.get('visitor').shopper ?? '');

  app.get('/', (c) => page(c, 200, 'catalogueTitle', (tx) => cataloguePage(tx, shopperCsrf(c))));

  app.get('/cart', async (c) => {
    const lines = await cartLines(db, c.get('visitor').shopper);
    return page(c, 200, 'cartTitle', (tx) => cartPage(tx, lines, shopperCsrf(c)));
  });

  app.post('/cart', async (c) => {
    const read = await formOf(c, AddToCartForm, 'shopper');
    if (read instanceof Response) return read;
    const { form } = read;
    if (!form || !productById(form.productId)) {
      return problem(c, 422, 'notAddedTitle', 'notAdded');
    }
    await addToCart(db, c.get('visitor').shopper!, form.productId, form.quantity);
    return c.redirect('/cart', 303);
  });

  app.post('/cart/update', async (c) => {
    const read = await formOf(c, UpdateCartForm, 'shopper');
    if (read instanceof Response) return read;
    if (!read.form) {
      return problem(c, 422, 'notUpdatedTitle', 'notUpdated');
    }
    await setQuantity(db, c.get('visitor').shopper!, read.form.productId, read.form.quantity);
    return c.redirect('/cart', 303);
  });

  app.post('/checkout', async (c) => {
    const read = await formOf(c, TokenForm, 'shopper');
    if (read instanceof Response) return read;
    // The order description (SET's OD, which the shopper signs) in the shopper's language.
    const tx = textOf(c);
    const orderId = await placeOrder(db, c.get('visitor').shopper!, storeNameIn(tx), tx, now());
    return c.redirect(orderId ? `/orders/${orderId}` : '/cart', 303);
  });

  const withPayments = (list: StoreOrder[]) =>
    Promise.all(list.map(async (order) => ({ order, payment: await orderPayment(orders, order.id) })));

  app.get('/orders', async (c) => {
    const { shopper } = c.get('visitor');
    const mine = shopper ? await recentOrders(db, { sessionId: shopper }) : [];
    c.header('cache-control', 'no-store');
    const rows = await withPayments(mine);
    return page(c, 200, 'ordersTitle', (tx) => ordersPage(tx, rows));
  });

  app.get('/orders/:id', async (c) => {
    const order = await visibleOrder(c);
    if (!order) return notFound(c);
    const payment = await orderPayment(orders, order.id);
    // The checkout's button script is compiled on first use: start now, while the page travels.
    void payWithSetScript().catch((e: unknown) => log('demo store: could not compile pay-with-set.js', e));
    const { merchant } = c.get('visitor');
    const tx = textOf(c);
    const view = orderPage({
      tx,
      order,
      payment,
      brands,
      storeName: storeNameIn(tx),
      ...flashOf(c, tx, order.amount),
      ...(opts.walletHelpUrl ? { walletHelpUrl: opts.walletHelpUrl } : {}),
      ...(opts.testCardsUrl ? { testCardsUrl: opts.testCardsUrl } : {}),
      ...(merchant ? { merchantCsrf: sessions.merchantToken(merchant) } : {}),
    });
    c.header('cache-control', 'no-store');
    return page(c, 200, view.title, () => view.body, { head: view.head, scripts: view.scripts });
  });

  app.get('/orders/:id/status', async (c) => {
    const order = await visibleOrder(c);
    c.header('cache-control', 'no-store');
    if (!order) return c.json({ error: 'no such order' }, 404);
    return c.json({ state: (await orderPayment(orders, order.id)).state });
  });

  // The merchant's back office: /back-office?token=… (the link the sandbox prints) signs in.
  app.get('/back-office', async (c) => {
    const token = c.req.query('token');
    if (token !== undefined) {
      if (!sessions.gate.tokenMatches(token)) {
        return refused(c, 'badBackOfficeLink');
      }
      return sessions.signIn();
    }
    const { merchant } = c.get('visitor');
    if (!merchant) return refused(c, 'backOfficeMerchantOnly');
    c.header('cache-control', 'no-store');
    const rows = await withPayments(await recentOrders(db, 'everyone'));
    return page(c, 200, 'backOfficeTitle', (tx) =>
      backOfficePage(tx, rows, sessions.merchantToken(merchant)),
    );
  });

  // The merchant's reconciliation report: the gateway's batches matched against our orders.
  app.get('/back-office/settlement', async (c) => {
    const { merchant } = c.get('visitor');
    if (!merchant) return refused(c, 'settlementMerchantOnly');
    c.header('cache-control', 'no-store');
    const flash = settlementFlash(c.req.query('done') ?? c.req.query('problem'));
    try {
      const report = await settlementReport(opts.setEndpoint.gateway, orders, db);
      return page(c, 200, 'settlementTitle', (tx) =>
        settlementPage(tx, report, sessions.merchantToken(merchant), flash),
      );
    } catch (e) {
      if (!(e instanceof GatewayUnavailableError || e instanceof SetError)) throw e;
      log(`demo store: the settlement report could not be read: ${e.message}`);
      return page(c, 503, 'settlementTitle', (tx) =>
        problemPage(tx, tx.t('settlementTitle'), tx.t(PROBLEMS.gatewayUnavailable!)),
      );
    }
  });

  app.post('/back-office/settlement/close', async (c) => {
    if (!c.get('visitor').merchant) return refused(c, 'closeBatchMerchantOnly');
    const read = await formOf(c, CloseBatchForm, 'merchant');
    if (read instanceof Response) return read;
    if (!read.form) {
      return page(c, 422, 'notBatchTitle', (tx) => problemPage(tx, tx.t('notBatchTitle'), tx.t('notBatch')));
    }
    const batchId = Number(read.form.batch);
    try {
      const closed = await opts.setEndpoint.gateway.closeBatch(batchId);
      return c.redirect(
        `/back-office/settlement?${closed.status === 'success' ? 'done=closed' : `problem=${closed.status}`}`,
        303,
      );
    } catch (e) {
      if (!(e instanceof GatewayUnavailableError || e instanceof SetError)) throw e;
      log(`demo store: closing batch ${batchId} failed: ${e.message}`);
      return c.redirect('/back-office/settlement?problem=gatewayUnavailable', 303);
    }
  });

  app.post('/back-office/sign-out', async (c) => {
    const read = await formOf(c, TokenForm, 'merchant');
    if (read instanceof Response) return read;
    sessions.signOut(c);
    return c.redirect('/', 303);
  });

  for (const action of ACTIONS) {
    app.post(`/orders/:id/${action}`, async (c) => {
      // The merchant's alone: refused before the form or the order is even looked at.
      if (!c.get('visitor').merchant) {
        return refused(c, 'merchantOnly');
      }
      const read = await formOf(c, WITH_AMOUNT.includes(action) ? AmountForm : TokenForm, 'merchant');
      if (read instanceof Response) return read;
      const order = await visibleOrder(c);
      if (!order) return notFound(c);
      const back = (query: string) => c.redirect(`/orders/${order.id}?${query}`, 303);
      const payment = await orderPayment(orders, order.id);
      const xid =
        payment.current?.record || (action === 'reconcile' && payment.current?.claim)
          ? payment.current.xid
          : undefined;
      if (!xid) return back('problem=notAuthorized');
      let amount: Amount | undefined;
      if (WITH_AMOUNT.includes(action)) {
        const entered = (read.form as { amount?: string } | undefined)?.amount;
        amount = entered === undefined ? undefined : parseAmount(entered, order.amount);
        if (!amount) return back('problem=invalidAmount');
      }
      try {
        if (action === 'reconcile') {
          const state = await actions.reconcile(xid);
          return back(state === 'pendingConfirmation' ? 'problem=pendingConfirmation' : 'done=reconcile');
        }
        if (action === 'authorize-rest' || action === 'charge-next') {
          const later =
            action === 'charge-next'
              ? await actions.chargeRecurring(xid, recurringAmountOf(order))
              : await actions.authorizeSubsequent(xid, remainingOf(payment.current!));
          return back(later.result.status === 'approved' ? `done=${action}` : 'problem=declined');
        }
        const result = await {
          capture: () => actions.capture(xid, amount),
          refund: () => actions.refund(xid, amount!),
          reverse: () => actions.reverse(xid),
          'reverse-capture': () => actions.reverseCapture(xid, amount),
          'reverse-refund': () => actions.reverseRefund(xid, amount),
        }[action as Exclude<Action, 'reconcile' | 'authorize-rest' | 'charge-next'>]();
        if (result.status === 'rejected')
          return back(`problem=rejected${result.reason ? `&reason=${result.reason}` : ''}`);
        return back(`done=${action}`);
      } catch (e) {
        if (e instanceof MerchantActionError) return back(`problem=${e.problem}`);
        if (e instanceof GatewayUnavailableError) {
          log(`demo store: ${e.message}`);
          return back(e.maybeDelivered ? 'problem=pendingConfirmation' : 'problem=gatewayUnavailable');
        }
        if (e instanceof SetError) {
          const detail = e instanceof SetWalletError && e.detail ? ` (the gateway: ${e.detail})` : '';
          log(`demo store: the gateway refused a ${action}: ${e.code}: ${e.message}${detail}`);
          const plan = action === 'charge-next' || action === 'authorize-rest';
          return back(plan && e.code === 'signatureFailure' ? 'problem=planRefused' : 'problem=gatewayError');
        }
        throw e;
      }
    });
  }

  app.get('/healthz', () => healthResponse(db));

  app.notFound((c) => problem(c, 404, 'notFoundTitle', 'notFound'));

  app.onError(async (err, c) => {
    log(`demo store: ${c.req.method} ${c.req.path} failed`, err);
    if (c.req.path === '/set')
      return await setErrorResponse('', err, opts.setEndpoint.merchant.signature, now(), log);
    if (err instanceof DatabaseUnavailableError) {
      c.header('retry-after', String(err.retryAfterSeconds));
      const tx = textOf(c);
      for (const [name, value] of Object.entries(languageHeaders(tx.locale))) c.header(name, value);
      return c.html(
        layout({
          tx,
          title: tx.t('unavailableTitle'),
          storeName: storeNameIn(tx),
          cartCount: 0,
          body: problemPage(tx, tx.t('unavailableTitle'), tx.t('unavailable')),
        }),
        503,
      );
    }
    return problem(c, 422, 'failedTitle', 'failed');
  });

  return { app, orders, actions };
}

/** The notice a PRG redirect asked for, from a fixed list of texts (never echoing the query). */
function flashOf(c: Context, tx: StoreText, like: Amount): { flash?: { ok: boolean; text: SafeHtml } } {
  const done = c.req.query('done');
  if (done && (ACTIONS as readonly string[]).includes(done))
    return { flash: { ok: true, text: tx.t(DONE[done as Action]) } };
  const problem = c.req.query('problem');
  if (problem === 'rejected') {
    const reason = c.req.query('reason');
    const known = (REJECT_REASONS as readonly string[]).includes(reason ?? '')
      ? (reason as RejectReason)
      : undefined;
    const why = tx.t(known ? REJECTION_WORDS[known] : 'rejectUnknown');
    return { flash: { ok: false, text: tx.t('gatewayTurnedDown', { reason: why }) } };
  }
  if (problem && Object.hasOwn(PROBLEMS, problem)) {
    // 12.50 in the order's currency, with the reader's decimal sign.
    const example = tx.amountInput({ ...like, value: like.exponent ? 125 * 10 ** (like.exponent - 1) : 12 });
    return { flash: { ok: false, text: tx.t(PROBLEMS[problem]!, { example }) } };
  }
  return {};
}

/**
 * The operator's side of the gateway over HTTP: the dashboard (GET /), one transaction
 * (GET /transactions/:xid), the operator's capture, refund and reversal form
 * (POST /dashboard/action), the merchants' batches and their settlement (GET /batches,
 * /batches/:id; dashboard-batches.ts), and the same as JSON (GET /api/transactions, /api/batches). Query strings
 * and forms are parsed against schemas; a bad one gets a plain 4xx page, never a 500.
 *
 * Only the operator (issue 8 §6): the operator token, printed at start, opens a session
 * (`/?token=…` → HttpOnly SameSite=Strict cookie); the API takes it as a Bearer token; every
 * action form carries the session's CSRF field. Every page and the API answer only requests whose
 * `Host` is one of the configured names (loopback names when none are configured), so a page
 * that re-points its own DNS name at this machine (DNS rebinding) gets 421. Without an operator
 * token the dashboard and its API are off (403).
 */
import type { Context, Hono, Next } from 'hono';
import { getCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import * as v from 'valibot';
import { parseAmount } from '../protocol/amount.ts';
import { type Amount, b64u, jsonBytes, SetError, sha256 } from '../protocol/index.ts';
import {
  hostAllowed,
  html,
  languageHeaders,
  languageSwitch,
  OperatorGate,
  readForm,
  type SafeHtml,
  siteTextFor,
} from '../web/index.ts';
import type { Batches } from './batches.ts';
import { batchesPage, batchPage } from './dashboard-batches.ts';
import {
  dashboardPage,
  messagePage,
  type Notice,
  OPERATOR_ACTIONS,
  type OperatorAction,
  type PageOptions,
  transactionPage,
} from './dashboard-page.ts';
import { AUTHORIZATION_STATES, type FollowUpKind, REJECT_REASONS } from './follow-up-rules.ts';
import type { AuthorizationRecord, Ledger, ListFilter, PaymentEventRecord } from './ledger.ts';
import type { Notifications } from './notifications.ts';
import { GATEWAY_TEXT, type GatewayKey, type GatewayText } from './text/index.ts';

const B64URL = /^[A-Za-z0-9_-]*$/;
/** An operator form's body, at most. */
const MAX_FORM_BYTES = 8 * 1024;
const XidParam = v.pipe(v.string(), v.length(43), v.regex(B64URL));

const BatchQuery = v.object({
  state: v.optional(v.picklist(['', 'open', 'settled'])),
  merchant: v.optional(v.pipe(v.string(), v.maxLength(64))),
  token: v.optional(v.pipe(v.string(), v.maxLength(256))),
});
const BatchParam = v.pipe(v.string(), v.regex(/^[1-9]\d{0,14}$/));

const Query = v.object({
  status: v.optional(v.picklist(['', ...AUTHORIZATION_STATES])),
  kind: v.optional(v.picklist(['', 'authorization', 'capture', 'refund', 'reversal'])),
  merchant: v.optional(v.pipe(v.string(), v.maxLength(64))),
  xid: v.optional(v.pipe(v.string(), v.maxLength(43), v.regex(B64URL))),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/))),
  notice: v.optional(v.picklist(OPERATOR_ACTIONS)),
  outcome: v.optional(v.picklist(['accepted', 'rejected'])),
  reason: v.optional(v.picklist(REJECT_REASONS)),
  token: v.optional(v.pipe(v.string(), v.maxLength(256))),
  resent: v.optional(v.literal('1')),
});
type Query = v.InferOutput<typeof Query>;

export const OPERATOR_COOKIE = 'set_gateway_operator';

export interface DashboardAccess {
  /** The operator token (at least 16 characters). Absent: the dashboard and its API are off. */
  token?: string;
  /** The `Host` values this gateway answers its pages to, e.g. ['127.0.0.1:8701']. Default: loopback names. */
  hosts?: string[];
}

const ActionForm = v.object({
  csrf: v.pipe(v.string(), v.maxLength(128)),
  xid: XidParam,
  nonce: XidParam,
  action: v.picklist(OPERATOR_ACTIONS),
  amount: v.pipe(v.string(), v.maxLength(32)),
  back: v.optional(v.pipe(v.string(), v.maxLength(1024))),
});

const ResendForm = v.object({
  csrf: v.pipe(v.string(), v.maxLength(128)),
  xid: XidParam,
  event: XidParam,
});

const KIND_OF_ACTION: Record<OperatorAction, FollowUpKind> = {
  capture: 'capture',
  refund: 'credit',
  'reverse-authorization': 'authorizationReversal',
  'reverse-capture': 'captureReversal',
  'reverse-refund': 'creditReversal',
};

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function mountDashboard(
  app: Hono,
  deps: {
    ledger: Ledger;
    batches: Batches;
    notifications: Notifications;
    /** Called after the operator changed the ledger or queued a resend (wakes the delivery worker). */
    onChange?: () => void;
    now: () => Date;
    /** The gateway's configured name, if any (else the catalogue's title in each language). */
    page: Omit<PageOptions, 'tx' | 'csrf'>;
    access: DashboardAccess;
  },
): void {
  const { ledger } = deps;
  const gate = deps.access.token ? new OperatorGate(deps.access.token, 'SET/2 payment gateway') : undefined;
  const textOf = (c: Context): GatewayText => siteTextFor(GATEWAY_TEXT, c.req.raw);
  const htmlResponse = (tx: GatewayText, body: string, status = 200) =>
    new Response(body, { status, headers: { ...PAGE_HEADERS, ...languageHeaders(tx.locale) } });
  /** A refusal page in the request's language: its title and sentence from the catalogue. */
  const problem = (
    c: Context,
    status: number,
    heading: GatewayKey,
    text: GatewayKey | SafeHtml,
    vars?: Record<string, string | number>,
  ) => {
    const tx = textOf(c);
    const sentence = typeof text === 'string' ? tx.t(text, vars) : text;
    return htmlResponse(tx, messagePage({ ...deps.page, tx }, tx.t(heading), sentence), status);
  };
  const sessionOf = (c: Context) => {
    const cookie = getCookie(c, OPERATOR_COOKIE);
    return cookie !== undefined && gate?.sessionMatches(cookie, deps.now()) ? cookie : undefined;
  };
  /** The page options of this operator's session: its action forms carry the session's form token. */
  const pageFor = (c: Context): PageOptions => {
    const session = sessionOf(c);
    return { ...deps.page, tx: textOf(c), ...(gate && session ? { csrf: gate.formToken(session) } : {}) };
  };
  const signedIn = (c: Context) => sessionOf(c) !== undefined;

  // Before anything else: the Host check (DNS rebinding), then the operator.
  const guard = (api: boolean) => async (c: Context, next: Next) => {
    if (!hostAllowed(c.req.header('host'), deps.access.hosts)) {
      const host = (c.req.header('host') ?? '').slice(0, 100);
      // The API answers programs, in English (GATEWAY_TEXT.en); a page, in the reader's language.
      const text = GATEWAY_TEXT.en.wrongAddress.replace('{host}', host);
      return api
        ? c.json({ error: text }, 421)
        : problem(c, 421, 'wrongAddressTitle', 'wrongAddress', { host });
    }
    if (!gate) {
      return api
        ? c.json({ error: GATEWAY_TEXT.en.dashboardOff }, 403)
        : problem(c, 403, 'dashboardOffTitle', 'dashboardOff');
    }
    if (!api) {
      const switched = languageSwitch(c.req.raw);
      if (switched) return switched;
    }
    if (api) {
      const bearer = gate.bearer(c.req.header('authorization'));
      if (bearer === 'ok' || signedIn(c)) return next();
      return c.json(
        { error: 'send the operator token the gateway printed at start: Authorization: Bearer <token>' },
        bearer === 'wrong' ? 403 : 401,
      );
    }
    const token = c.req.method === 'GET' ? c.req.query('token') : undefined;
    if (token !== undefined) {
      if (!gate.tokenMatches(token)) {
        return problem(c, 403, 'badOperatorLinkTitle', 'badOperatorLink');
      }
      // Swap the token for a session cookie, and drop it from the address bar.
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      return gate.signIn({
        cookie: OPERATOR_COOKIE,
        location: `${url.pathname}${url.search}`,
        now: deps.now(),
        secure: url.protocol === 'https:',
      });
    }
    if (!signedIn(c)) {
      return problem(c, 401, 'signInTitle', 'signIn');
    }
    return next();
  };
  app.use('/', guard(false));
  app.use('/transactions/*', guard(false));
  app.use('/batches', guard(false));
  app.use('/batches/*', guard(false));
  app.use('/dashboard/*', guard(false));
  app.use('/api/*', guard(true));

  app.get('/', async (c) => {
    const q = v.safeParse(Query, c.req.query());
    if (!q.success) return problem(c, 400, 'badFilterTitle', 'badFilter');
    const filter = filterOf(q.output);
    const data = await ledger.list(filter);
    const url = new URL(c.req.url);
    for (const k of ['notice', 'outcome', 'reason']) url.searchParams.delete(k);
    const page = pageFor(c);
    return htmlResponse(page.tx, dashboardPage(page, filter, data, `/${url.search}`, noticeOf(q.output)));
  });

  app.get('/transactions/:xid', async (c) => {
    const xid = v.safeParse(XidParam, c.req.param('xid'));
    const q = v.safeParse(Query, c.req.query());
    const auth = xid.success ? await ledger.findAuthorization(xid.output) : undefined;
    if (!auth) return problem(c, 404, 'noTransactionTitle', 'noTransaction');
    const events = await ledger.eventsOf(auth.xid);
    const notifications = await deps.notifications.ofTransaction(auth.xid);
    const subsequent = await ledger.subsequentsOf(auth.xid);
    const page = pageFor(c);
    return htmlResponse(
      page.tx,
      transactionPage(
        page,
        auth,
        events,
        q.success ? noticeOf(q.output) : undefined,
        notifications,
        q.success && q.output.resent === '1',
        subsequent,
      ),
    );
  });

  app.get('/batches', async (c) => {
    const q = v.safeParse(BatchQuery, c.req.query());
    if (!q.success) return problem(c, 400, 'badBatchFilterTitle', 'badBatchFilter');
    const filter = {
      ...(q.output.state ? { state: q.output.state } : {}),
      ...(q.output.merchant ? { merchantId: q.output.merchant } : {}),
    };
    const page = pageFor(c);
    return htmlResponse(page.tx, batchesPage(page, filter, await deps.batches.listAll(filter)));
  });

  app.get('/batches/:id', async (c) => {
    const id = v.safeParse(BatchParam, c.req.param('id'));
    const batch = id.success ? await deps.batches.batchOf(Number(id.output)) : undefined;
    if (!batch) return problem(c, 404, 'noBatchTitle', 'noBatch');
    const [summary, items] = [
      await deps.batches.summaryOf(batch.batchId),
      await deps.batches.itemsOf(batch.batchId),
    ];
    const page = pageFor(c);
    return htmlResponse(page.tx, batchPage(page, batch, summary, items));
  });

  /**
   * An operator's form: parsed against `schema`, and carrying the current operator session's form
   * token; otherwise the refusal to answer with. A body that is not a form at all (a broken
   * multipart body, a bad boundary) is refused, not thrown.
   */
  async function operatorForm<T extends { csrf: string }>(
    c: Context,
    schema: v.GenericSchema<unknown, T>,
  ): Promise<T | Response> {
    const read = await readForm(c.req.raw, { maxBytes: MAX_FORM_BYTES });
    if (!read.ok) {
      return read.status === 413
        ? problem(c, 413, 'formTooLargeTitle', 'formTooLarge')
        : problem(c, 400, 'unreadableFormTitle', 'unreadableForm');
    }
    const form = v.safeParse(schema, read.fields);
    if (!form.success) return problem(c, 400, 'invalidFormTitle', 'invalidForm');
    const session = sessionOf(c);
    if (!gate || !session || !gate.formTokenMatches(session, form.output.csrf)) {
      return problem(c, 403, 'formExpiredTitle', 'formExpired');
    }
    return form.output;
  }

  // Operator forms: refuse cross-site posts (Origin / Sec-Fetch-Site); operatorForm reads a body
  // within a form's size (src/web/forms.ts over the one body reader).
  app.use('/dashboard/*', csrf());

  app.post('/dashboard/action', async (c) => {
    const read = await operatorForm(c, ActionForm);
    if (read instanceof Response) return read;
    const f = read;
    const auth = await ledger.findAuthorization(f.xid);
    if (!auth) return problem(c, 404, 'noTransactionTitle', 'noTransaction');
    const value = parseAmount(f.amount, auth)?.value;
    if (value === undefined || value === 0) {
      // 12.5 with the currency's digits: "12.50", "12,50", "12".
      const example = textOf(c).amountInput({
        currency: auth.currency,
        exponent: auth.exponent,
        value: auth.exponent ? 125 * 10 ** (auth.exponent - 1) : 12,
      });
      return problem(c, 422, 'invalidAmountTitle', 'invalidAmount', {
        currency: auth.currency,
        digits: auth.exponent,
        example,
      });
    }
    const back = safeBack(f.back, auth.xid);
    const target = setAmountFor(f.action, value, auth);
    if ('reason' in target)
      return redirect(back, { action: f.action, outcome: 'rejected', reason: target.reason });
    try {
      const outcome = await ledger.applyFollowUp({
        kind: KIND_OF_ACTION[f.action],
        xid: auth.xid,
        rrpid: f.nonce,
        requestDigest: b64u(sha256(jsonBytes({ action: f.action, value }))),
        amount: target,
        source: 'operator',
        at: deps.now(),
      });
      const e = outcome.event;
      if (!outcome.replayed && e.outcome === 'accepted') deps.onChange?.();
      return redirect(back, {
        action: f.action,
        outcome: e.outcome,
        ...(e.reason ? { reason: e.reason } : {}),
      });
    } catch (e) {
      if (e instanceof SetError && e.code === 'unknownRRPID') {
        return problem(c, 409, 'formUsedTitle', 'formUsed');
      }
      // The ledger's refusal is a developer's sentence (SetError), shown as it is.
      if (e instanceof SetError) return problem(c, 422, 'actionRefusedTitle', html`${e.message}`);
      throw e;
    }
  });

  // Resend: the same event (same id and seq) queued for a fresh delivery now.
  app.post('/dashboard/resend', async (c) => {
    const read = await operatorForm(c, ResendForm);
    if (read instanceof Response) return read;
    const f = read;
    const n = await deps.notifications.find(f.event);
    if (!n || n.event.xid !== f.xid || !(await deps.notifications.resend(f.event, deps.now()))) {
      return problem(c, 404, 'noNotificationTitle', 'noNotification');
    }
    deps.onChange?.();
    return new Response(null, {
      status: 303,
      headers: { location: `/transactions/${f.xid}?resent=1#notifications` },
    });
  });

  app.get('/api/transactions', async (c) => {
    const q = v.safeParse(Query, c.req.query());
    if (!q.success) return c.json({ error: 'invalid filter' }, 400);
    const data = await ledger.list(filterOf(q.output));
    return c.json({
      authorizations: data.authorizations.map(authorizationJson),
      events: data.events.map(eventJson),
    });
  });

  app.get('/api/batches', async (c) => {
    const q = v.safeParse(BatchQuery, c.req.query());
    if (!q.success) return c.json({ error: 'invalid filter' }, 400);
    const batches = await deps.batches.listAll({
      ...(q.output.state ? { state: q.output.state } : {}),
      ...(q.output.merchant ? { merchantId: q.output.merchant } : {}),
    });
    return c.json({ batches });
  });

  app.get('/api/transactions/:xid', async (c) => {
    const xid = v.safeParse(XidParam, c.req.param('xid'));
    const auth = xid.success ? await ledger.findAuthorization(xid.output) : undefined;
    if (!auth) return c.json({ error: 'no such XID' }, 404);
    return c.json({
      ...authorizationJson(auth),
      events: (await ledger.eventsOf(auth.xid)).map(eventJson),
      subsequentAuthorizations: (await ledger.subsequentsOf(auth.xid)).map((s) => ({
        seq: s.seq,
        idempotencyKey: s.idempotencyKey,
        amount: s.amount,
        result: s.result,
        ...(s.authCode ? { authCode: s.authCode } : {}),
        ...(s.declineReason ? { declineReason: s.declineReason } : {}),
        captureNow: s.captureNow,
        createdAt: s.createdAt.toISOString(),
      })),
    });
  });
}

function filterOf(q: Query): ListFilter {
  return {
    ...(q.status ? { state: q.status } : {}),
    ...(q.kind ? { kind: q.kind } : {}),
    ...(q.merchant ? { merchantId: q.merchant } : {}),
    ...(q.xid ? { xid: q.xid } : {}),
    ...(q.limit ? { limit: Number(q.limit) } : {}),
  };
}

function noticeOf(q: Query): Notice | undefined {
  if (!q.notice || !q.outcome) return undefined;
  return { action: q.notice, outcome: q.outcome, ...(q.reason ? { reason: q.reason } : {}) };
}

/**
 * The amount the ledger applies, as SET defines it for the request kind. The operator types the
 * amount to release for an authorization reversal; SET's AuthRevReq names the new total.
 */
function setAmountFor(
  action: OperatorAction,
  value: number,
  auth: AuthorizationRecord,
): Amount | { reason: 'amountExceedsAuthorization' } {
  const base = { currency: auth.currency, exponent: auth.exponent };
  if (action !== 'reverse-authorization') return { ...base, value };
  if (value > auth.balances.authorized) return { reason: 'amountExceedsAuthorization' };
  return { ...base, value: auth.balances.authorized - value };
}

/** Only a path on this site: never an open redirect. */
function safeBack(back: string | undefined, xid: string): string {
  if (back && /^\/(?![/\\])[\x21-\x7e]*$/.test(back)) return back;
  return `/transactions/${xid}`;
}

function redirect(back: string, notice: Notice): Response {
  const url = new URL(back, 'http://gateway.invalid');
  url.searchParams.set('notice', notice.action);
  url.searchParams.set('outcome', notice.outcome);
  if (notice.reason) url.searchParams.set('reason', notice.reason);
  else url.searchParams.delete('reason');
  return new Response(null, { status: 303, headers: { location: `${url.pathname}${url.search}` } });
}

function authorizationJson(a: AuthorizationRecord) {
  const amount = (value: number): Amount => ({ currency: a.currency, value, exponent: a.exponent });
  return {
    xid: a.xid,
    rrpid: a.rrpid,
    merchantId: a.merchantId,
    merchantName: a.merchantName,
    brandId: a.brandId,
    cardLast4: a.panLast4,
    dualSigned: a.dualSigned,
    requested: amount(a.requested),
    authorized: amount(a.balances.authorized),
    captured: amount(a.balances.captured),
    refunded: amount(a.balances.refunded),
    result: a.result,
    state: a.state,
    ...(a.authCode ? { authCode: a.authCode } : {}),
    ...(a.declineReason ? { declineReason: a.declineReason } : {}),
    captureNow: a.captureNow,
    ...(a.purchAmtValue !== undefined ? { signed: amount(a.purchAmtValue) } : {}),
    ...(a.installRecurData ? { installRecurData: a.installRecurData } : {}),
    approvedAuthorizations: a.approvedCount,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

function eventJson(e: PaymentEventRecord) {
  return {
    xid: e.xid,
    rrpid: e.rrpid,
    kind: e.kind,
    source: e.source,
    outcome: e.outcome,
    ...(e.reason ? { reason: e.reason } : {}),
    amount: e.amount,
    createdAt: e.createdAt.toISOString(),
  };
}

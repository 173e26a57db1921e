/**
 * The operator's side of the gateway over HTTP: the dashboard (GET /), one transaction
 * (GET /transactions/:xid), the operator's capture, refund and reversal form
 * (POST /dashboard/action), and the same ledger as JSON (GET /api/transactions). Query strings
 * and forms are parsed against schemas; a bad one gets a plain 4xx page, never a 500.
 */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import * as v from 'valibot';
import { type Amount, b64u, jsonBytes, SetError, sha256 } from '../protocol/index.ts';
import { parseDecimal } from './amounts.ts';
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

const B64URL = /^[A-Za-z0-9_-]*$/;
const XidParam = v.pipe(v.string(), v.length(43), v.regex(B64URL));

const Query = v.object({
  status: v.optional(v.picklist(['', ...AUTHORIZATION_STATES])),
  kind: v.optional(v.picklist(['', 'authorization', 'capture', 'refund', 'reversal'])),
  merchant: v.optional(v.pipe(v.string(), v.maxLength(64))),
  xid: v.optional(v.pipe(v.string(), v.maxLength(43), v.regex(B64URL))),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/))),
  notice: v.optional(v.picklist(OPERATOR_ACTIONS)),
  outcome: v.optional(v.picklist(['accepted', 'rejected'])),
  reason: v.optional(v.picklist(REJECT_REASONS)),
});
type Query = v.InferOutput<typeof Query>;

const ActionForm = v.object({
  xid: XidParam,
  nonce: XidParam,
  action: v.picklist(OPERATOR_ACTIONS),
  amount: v.pipe(v.string(), v.maxLength(32)),
  back: v.optional(v.pipe(v.string(), v.maxLength(1024))),
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
  deps: { ledger: Ledger; now: () => Date; page: PageOptions },
): void {
  const { ledger, page } = deps;
  const htmlResponse = (body: string, status = 200) => new Response(body, { status, headers: PAGE_HEADERS });
  const problem = (status: number, heading: string, text: string) =>
    htmlResponse(messagePage(page, heading, text), status);

  app.get('/', async (c) => {
    const q = v.safeParse(Query, c.req.query());
    if (!q.success)
      return problem(400, 'Bad filter', 'One of the filters is not valid. Clear the filters and try again.');
    const filter = filterOf(q.output);
    const data = await ledger.list(filter);
    const url = new URL(c.req.url);
    for (const k of ['notice', 'outcome', 'reason']) url.searchParams.delete(k);
    return htmlResponse(dashboardPage(page, filter, data, `/${url.search}`, noticeOf(q.output)));
  });

  app.get('/transactions/:xid', async (c) => {
    const xid = v.safeParse(XidParam, c.req.param('xid'));
    const q = v.safeParse(Query, c.req.query());
    const auth = xid.success ? await ledger.findAuthorization(xid.output) : undefined;
    if (!auth) return problem(404, 'No such transaction', 'The ledger holds no authorization with this XID.');
    const events = await ledger.eventsOf(auth.xid);
    return htmlResponse(transactionPage(page, auth, events, q.success ? noticeOf(q.output) : undefined));
  });

  // Operator forms: refuse cross-site posts (Origin / Sec-Fetch-Site) and bodies beyond a form's size.
  app.use('/dashboard/*', csrf());
  app.use(
    '/dashboard/*',
    bodyLimit({ maxSize: 8 * 1024, onError: () => problem(413, 'Form too large', 'The form is too large.') }),
  );

  app.post('/dashboard/action', async (c) => {
    const form = v.safeParse(ActionForm, await c.req.parseBody());
    if (!form.success)
      return problem(422, 'Invalid form', 'The form is incomplete. Reload the page and try again.');
    const f = form.output;
    const auth = await ledger.findAuthorization(f.xid);
    if (!auth) return problem(404, 'No such transaction', 'The ledger holds no authorization with this XID.');
    const value = parseDecimal(f.amount, auth.exponent);
    if (value === undefined || value === 0) {
      return problem(
        422,
        'Invalid amount',
        `Enter an amount greater than zero in ${auth.currency}, with at most ${auth.exponent} decimal places (for example ${auth.exponent ? `12.${'5'.padEnd(auth.exponent, '0')}` : '12'}).`,
      );
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
      return redirect(back, {
        action: f.action,
        outcome: e.outcome,
        ...(e.reason ? { reason: e.reason } : {}),
      });
    } catch (e) {
      if (e instanceof SetError && e.code === 'unknownRRPID') {
        return problem(
          409,
          'Form already used',
          'This form was already used for another action. Reload the page.',
        );
      }
      if (e instanceof SetError) return problem(422, 'Action refused', e.message);
      throw e;
    }
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

  app.get('/api/transactions/:xid', async (c) => {
    const xid = v.safeParse(XidParam, c.req.param('xid'));
    const auth = xid.success ? await ledger.findAuthorization(xid.output) : undefined;
    if (!auth) return c.json({ error: 'no such XID' }, 404);
    return c.json({ ...authorizationJson(auth), events: (await ledger.eventsOf(auth.xid)).map(eventJson) });
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

/**
 * createGateway: the payment gateway as a Hono app over a ledger. It wires the SET endpoint
 * (POST /set), the operator's dashboard and JSON API, and a health check. Everything it needs
 * comes in as parameters: keys, trusted roots, CRLs, the issuer, the database and the clock.
 */
import * as nodeCrypto from 'node:crypto';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  exchangeKey,
  MAX_WIRE_BYTES,
  nodeBufferCodec,
  nodeCryptoProvider,
  type ParsedCertificate,
  type ParsedCrl,
  type Recipient,
  type SignedSender,
  signingKey,
  TrustCache,
  useCryptoProvider,
  useNativeCodec,
  type VerifyContext,
  type VerifyEvent,
} from '../protocol/index.ts';
import { type Database, DatabaseUnavailableError, migrate } from '../storage/index.ts';
import { healthResponse, languageHeaders, type SiteLocale, siteTextFor } from '../web/index.ts';
import { Batches } from './batches.ts';
import { type DashboardAccess, mountDashboard } from './dashboard.ts';
import { messagePage } from './dashboard-page.ts';
import { DEFAULT_AUTHORIZATION_VALIDITY_MS } from './follow-up-rules.ts';
import type { Issuer } from './issuer-simulator.ts';
import { Ledger } from './ledger.ts';
import { GATEWAY_MIGRATIONS } from './migrations.ts';
import {
  createNotificationDelivery,
  type DeliveryOptions,
  type NotificationDelivery,
} from './notification-delivery.ts';
import { Notifications } from './notifications.ts';
import { consoleLog, type GatewayLog, type PaymentContext } from './payment-context.ts';
import { gatewayListener, type NodeListener, setReplyHeaders } from './serve.ts';
import { handleSetBody, handleSetMessage, handleSetRequest, type SetReply } from './set-endpoint.ts';
import { GATEWAY_TEXT } from './text/index.ts';

export interface GatewayDeps {
  db: Database;
  /** gateway-sig: its key and chain (leaf first; the root may be left out). */
  signature: SignedSender;
  /** gateway-kx: the key cardholders seal PIs to and merchants seal requests to. */
  keyExchange: Recipient & { chain?: ParsedCertificate[] };
  trustedRoots: ParsedCertificate[];
  /** The CRLs in force; asked before every verification, so a revocation counts at the next message. */
  crls?: () => ParsedCrl[] | Promise<ParsedCrl[]>;
  /** Validated certificate chains remembered (LRU; default 1,000). Carried certificates are never kept unvalidated. */
  trustCacheSize?: number;
  /** Hears each verification that checks a signature: chains validated anew, their links (tests). */
  observeTrust?: (event: VerifyEvent) => void;
  issuer: Issuer;
  now?: () => Date;
  /** How long an approval may be captured (default 7 days). */
  authorizationValidityMs?: number;
  log?: GatewayLog;
  /** The dashboard's title (default: "SET/2 Sandbox Payment Gateway", in the reader's language). */
  page?: { title?: string };
  /** Who may use the dashboard and its API: the operator token and the configured Host names. */
  dashboard?: DashboardAccess;
  /** Notification delivery: back-off, limits and timeouts (see notification-delivery.ts), and the fetch used. */
  notificationDelivery?: DeliveryOptions & { fetch?: typeof fetch };
}

export interface Gateway {
  app: Hono;
  ledger: Ledger;
  /** The merchants' batches and their settlement. */
  batches: Batches;
  /** Registered URLs, the outbox and its deliveries. */
  notifications: Notifications;
  /**
   * The delivery worker: not started by createGateway (tests drive it with runOnce); a server
   * calls start() and, on shutdown, await stop().
   */
  delivery: NotificationDelivery;
  /**
   * The gateway on Node's HTTP server (`listen(gateway)`, `http.createServer(gateway.listener)`):
   * POST /set served on node:http directly, every other route through `app`.
   */
  listener: NodeListener;
  /** The SET endpoint without HTTP: one wire message in, the reply out. Never throws. */
  handle(message: Uint8Array | string): Promise<SetReply>;
}

/** Creates the gateway and brings its ledger schema up to date (gateway/… migrations). */
export async function createGateway(deps: GatewayDeps): Promise<Gateway> {
  // Node's Buffer encodes base64url and hex natively; the protocol still checks every input.
  useNativeCodec(nodeBufferCodec(Buffer));
  // Public-key cryptography and AES-GCM on node:crypto (OpenSSL, synchronous), not WebCrypto's
  // per-call promises and key wrapping; the protocol's own checks stay around every call.
  useCryptoProvider(nodeCryptoProvider(nodeCrypto));
  // The party's keys as platform keys, imported now (with that provider) rather than on a first request.
  const signature: SignedSender = {
    ...deps.signature,
    privateKey: await signingKey(deps.signature.privateKey),
  };
  const keyExchange = { ...deps.keyExchange, privateKey: await exchangeKey(deps.keyExchange.privateKey) };
  await migrate(deps.db, GATEWAY_MIGRATIONS);
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? consoleLog;
  const ledger = new Ledger(deps.db, deps.authorizationValidityMs ?? DEFAULT_AUTHORIZATION_VALIDITY_MS);
  const notifications = new Notifications(deps.db);
  const batches = new Batches(deps.db, ledger);
  const { fetch: deliveryFetch, ...deliveryOptions } = deps.notificationDelivery ?? {};
  const delivery = createNotificationDelivery({
    notifications,
    signature,
    now,
    log,
    options: deliveryOptions,
    ...(deliveryFetch ? { fetch: deliveryFetch } : {}),
  });
  // Long-lived: validated chains only, bounded. What a request carries lives in its own TrustStore.
  const trustCache = new TrustCache(deps.trustedRoots, {
    ...(deps.trustCacheSize === undefined ? {} : { maxValidated: deps.trustCacheSize }),
    ...(deps.observeTrust ? { observe: deps.observeTrust } : {}),
  });

  const verifyContext = async (): Promise<VerifyContext> => {
    if (deps.crls) trustCache.setCrls(await deps.crls());
    return { trust: trustCache.forRequest(), clock: { now: now() } };
  };
  const payment: PaymentContext = {
    signature,
    keyExchange,
    issuer: deps.issuer,
    ledger,
    batches,
    notifications,
    now,
    log,
    verifyContext,
  };
  // The pages' words come from the request's language (src/gateway/text); a configured name stays.
  const page = deps.page?.title ? { title: deps.page.title } : {};
  const pageIn = (c: Context) => ({ ...page, tx: siteTextFor(GATEWAY_TEXT, c.req.raw) });
  const htmlHeaders = (locale: SiteLocale) => ({
    'content-type': 'text/html; charset=utf-8',
    ...languageHeaders(locale),
  });

  const app = new Hono();
  app.post('/set', async (c) => {
    const reply = await handleSetRequest(payment, c.req.raw);
    // A ledger change may have queued a Notification: send it now rather than at the next poll.
    if (reply.status === 200) delivery.wake();
    return new Response(reply.body, { status: reply.status, headers: setReplyHeaders(reply) });
  });
  app.get('/healthz', () => healthResponse(deps.db));
  mountDashboard(app, {
    ledger,
    batches,
    notifications,
    onChange: () => delivery.wake(),
    now,
    page,
    access: deps.dashboard ?? {},
  });
  app.notFound((c) => {
    const p = pageIn(c);
    return new Response(messagePage(p, p.tx.t('notFoundTitle'), p.tx.t('notFound')), {
      status: 404,
      headers: htmlHeaders(p.tx.locale),
    });
  });
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    if (err instanceof DatabaseUnavailableError) {
      log({ level: 'warn', event: 'database-unavailable', path: c.req.path, cause: err.causeMessage });
      const p = pageIn(c);
      return new Response(messagePage(p, p.tx.t('ledgerUnavailableTitle'), p.tx.t('ledgerUnavailable')), {
        status: 503,
        headers: { ...htmlHeaders(p.tx.locale), 'retry-after': String(err.retryAfterSeconds) },
      });
    }
    log({ level: 'error', event: 'internal', path: c.req.path, cause: err.message });
    const p = pageIn(c);
    return new Response(messagePage(p, p.tx.t('failedTitle'), p.tx.t('failed')), {
      status: 422,
      headers: htmlHeaders(p.tx.locale),
    });
  });

  // POST /set straight on node:http (the same answers as the route above); the rest through the app.
  const listener = gatewayListener(
    async (body) => {
      const reply = await handleSetBody(payment, body);
      if (reply.status === 200) delivery.wake();
      return reply;
    },
    MAX_WIRE_BYTES,
    app.fetch,
    (e) =>
      log({
        level: 'error',
        event: 'internal',
        path: '/set',
        cause: e instanceof Error ? e.message : String(e),
      }),
  );

  return {
    app,
    listener,
    ledger,
    batches,
    notifications,
    delivery,
    handle: (message) =>
      handleSetMessage(payment, typeof message === 'string' ? new TextEncoder().encode(message) : message),
  };
}

/**
 * The developer sandbox: the issuer site with its CAs at BASE, the payment gateway at BASE+1 and
 * the demo store at BASE+2, each on its own origin on 127.0.0.1, sharing one database (PGlite in
 * DATA/db, or PostgreSQL when a URL is given). This is the only place where parties are wired
 * together.
 *
 * First start creates the CA hierarchy in DATA/pki; the gateway and the demo merchant then enrol
 * with the PCA and MCA over SET and HTTP (Me-AqCInit → CertReq → CertRes), and keep their keys in
 * DATA/gateway and DATA/merchant. Later starts reuse everything. With `openAcquirer`, a second
 * gateway (the PCA certifies it for OPEN_ACQUIRER with cardCertRequired false) and a store behind
 * it that accepts unsigned purchases run on BASE+3 and BASE+4, on a database of their own. A merchant certificate bound to
 * another origin (the store moved port) is renewed with its current key, so the merchant keeps the
 * MerchantID the MCA assigned it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIssuerSite, type IssuerSite, MERCHANT_ID_PATTERN, OPEN_ACQUIRER } from '../ca/index.ts';
import {
  createGateway,
  createIssuerSimulator,
  DEFAULT_TEST_CARDS,
  type Listening,
  listen,
} from '../gateway/index.ts';
import { createGatewayClient, EnrolmentRefused, enrolAtCa, enrolMerchant } from '../merchant/index.ts';
import {
  b64u,
  buildSandboxHierarchy,
  declaredOverLimit,
  MAX_WIRE_BYTES,
  observedText,
  type ParsedCertificate,
} from '../protocol/index.ts';
import { type Database, openDatabase } from '../storage/index.ts';
import { createDemoStore, NOTIFICATIONS_PATH } from '../store/index.ts';
import {
  hasEntry,
  type KeyedCertificate,
  readEntry,
  readRoot,
  writeEntry,
  writeHierarchy,
} from './pki-files.ts';

export const DEFAULT_BASE_PORT = 8700;
export const BRAND_ID = 'SETPay';
export const ISSUER_NAME = 'SETPay Sandbox Bank';
/** The demo merchant as it asks the MCA; its MerchantID is the one the MCA assigns. */
export const DEMO_MERCHANT = {
  name: 'SET Demo Store',
  city: 'Springfield',
  country: 'US',
  categoryCode: '5999',
};

/**
 * The store behind the sandbox's open acquirer (`SandboxOptions.openAcquirer`), whose gateway's
 * certificates say cardCertRequired false and which accepts purchases without a cardholder
 * certificate.
 */
export const OPEN_MERCHANT = {
  name: 'SET Open Store',
  city: 'Springfield',
  country: 'US',
  categoryCode: '5999',
};

export interface SandboxOptions {
  /** BASE: the issuer site; the gateway is BASE+1, the store BASE+2. 0 picks three free ports (tests). */
  port?: number;
  dataDir: string;
  /** A postgres:// URL; default PGlite in DATA/db. */
  databaseUrl?: string;
  /** PGlite: a new database starts from this tarball instead of initdb (tests; DatabaseOptions.template). */
  databaseTemplate?: string;
  /**
   * Also run the sandbox's open acquirer (issue 12): a second gateway, enrolled with the PCA for
   * OPEN_ACQUIRER so its certificates say cardCertRequired false, on BASE+3, and a second store
   * (OPEN_MERCHANT, accepting unsigned purchases) behind it on BASE+4, both on their own database
   * (PGlite in DATA/open-acquirer/db, or `openAcquirerDatabaseUrl`), so a shopper can compare a
   * purchase with and without the card's certificate.
   */
  openAcquirer?: boolean;
  /** A postgres:// URL for the open acquirer's database; needed with `databaseUrl`. */
  openAcquirerDatabaseUrl?: string;
  /** How long the "issuer unavailable" test card keeps the gateway waiting before it declines. */
  issuerTimeoutMs?: number;
  log?: (line: string) => void;
  /**
   * How long the CCA's cardholder certificates last (default two years). Tests only: a card that
   * is due for renewal at once (the wallet offers renewal within 30 days of expiry). The CLI does
   * not offer it, so no sandbox a person starts issues short-lived cards.
   */
  cardholderValidityMs?: number;
  /**
   * Sees every SET/2 message the three servers receive and answer, as the raw wire JSON, in the
   * order they pass (`setwallet demo` prints and saves them). The parties are not changed.
   */
  observe?: (event: SetObservation) => void;
  /**
   * Called like `observe` for NotifyRegReq, NotifyRegRes and Notification, which travel on their
   * own schedule (the gateway's delivery worker) and so stay out of `observe`'s transcript.
   */
  observeNotifications?: (event: SetObservation) => void;
  /**
   * The clock every server of the sandbox reads (default the system's): `setwallet demo` moves a
   * SandboxClock (clock.ts) ahead to show a recurring payment falling due.
   */
  now?: () => Date;
}

/** A SET/2 message one of the sandbox's servers received (`request`) or answered (`response`). */
export interface SetObservation {
  party: 'issuer' | 'gateway' | 'store';
  direction: 'request' | 'response';
  /** The message type, e.g. PReq. */
  type: string;
  /** The message exactly as it went over the wire. */
  body: string;
}

export interface RunningSandbox {
  urls: { issuer: string; gateway: string; store: string };
  /** With `openAcquirer`: the open acquirer's gateway and the store behind it. */
  openAcquirer?: { gateway: string; store: string };
  /**
   * The operators' sign-in links, each with its per-sandbox token (DATA/admin-token,
   * DATA/merchant-token): the issuer's certificates page (revocation) and the store's back office
   * (capture, refund, reverse). Print them for the person running the sandbox only.
   */
  operatorLinks: { certificates: string; backOffice: string; gatewayDashboard: string };
  /** The gateway dashboard's operator token (DATA/gateway-operator-token): Bearer for its API. */
  gatewayOperatorToken: string;
  root: ParsedCertificate;
  dataDir: string;
  db: Database;
  issuer: IssuerSite;
  /** Stops the three servers and closes the database. */
  close(): Promise<void>;
}

export const PKI_DIR = 'pki';
const CA_NAMES = ['brand-ca', 'cca', 'cca-kx', 'mca', 'mca-kx', 'pca', 'pca-kx'] as const;

export async function startSandbox(opts: SandboxOptions): Promise<RunningSandbox> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dataDir = opts.dataDir;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pkiDir = join(dataDir, PKI_DIR);
  if (!existsSync(join(pkiDir, 'root.pem'))) {
    log(`› first start: creating the sandbox certificate authorities in ${pkiDir}`);
    const { entries } = buildSandboxHierarchy({
      merchantOrigin: 'http://127.0.0.1',
      now: new Date(),
      caOnly: true,
    });
    const byName = new Map(entries.map((e) => [e.name, e]));
    writeHierarchy(
      pkiDir,
      entries.map((e) => ({
        ...e,
        chain: [e.certificate, ...e.issuerNames.map((n) => byName.get(n)!.certificate)],
      })),
    );
  }
  const root = readRoot(pkiDir);
  const ca = Object.fromEntries(CA_NAMES.map((n) => [n, readEntry(pkiDir, n)])) as Record<
    (typeof CA_NAMES)[number],
    KeyedCertificate
  >;
  const adminToken = secretFile(join(dataDir, 'admin-token'));
  const merchantToken = secretFile(join(dataDir, 'merchant-token'));
  const gatewayOperatorToken = secretFile(join(dataDir, 'gateway-operator-token'));

  const db = await openDatabase(
    opts.databaseUrl
      ? { url: opts.databaseUrl }
      : {
          dataDir: join(dataDir, 'db'),
          ...(opts.databaseTemplate ? { template: opts.databaseTemplate } : {}),
        },
  );
  const servers: Listening[] = [];
  const stops: (() => Promise<void>)[] = [];
  let openDb: Database | undefined;
  const close = async () => {
    for (const stop of stops) await stop();
    for (const s of servers.reverse()) await s.close();
    await openDb?.close();
    await db.close();
  };
  try {
    const base = opts.port ?? DEFAULT_BASE_PORT;
    const at = (offset: number) => (base === 0 ? 0 : base + offset);

    const issuer = await createIssuerSite({
      db,
      brandId: BRAND_ID,
      brand: ca['brand-ca'],
      cca: { signature: ca.cca, keyExchange: ca['cca-kx'] },
      mca: { signature: ca.mca, keyExchange: ca['mca-kx'] },
      pca: { signature: ca.pca, keyExchange: ca['pca-kx'] },
      trustedRoots: [root],
      testCards: [...DEFAULT_TEST_CARDS],
      adminToken,
      issuerName: ISSUER_NAME,
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.cardholderValidityMs === undefined ? {} : { cardholderValidityMs: opts.cardholderValidityMs }),
    });
    const issuerServer = await bind(observed('issuer', issuer.app.fetch, opts), at(0), 'issuer site');
    servers.push(issuerServer);
    // The store's port must be known before the merchant enrols: its origin goes in the certificate.
    const gatewayServer = await reserve(at(1), 'payment gateway');
    servers.push(gatewayServer);
    const storeServer = await reserve(at(2), 'demo store');
    servers.push(storeServer);

    const gatewayKeys = await keysFor(join(dataDir, 'gateway'), 'gateway', undefined, async () =>
      enrolAtCa(
        `${issuerServer.url}/set/pca`,
        { requestType: 'gateway', answers: { gatewayName: 'SET/2 Sandbox Gateway' } },
        root,
        BRAND_ID,
      ),
    );
    const merchantKeys = await keysFor(
      join(dataDir, 'merchant'),
      'merchant',
      storeServer.url,
      async (renewing) =>
        enrolMerchant({
          mca: `${issuerServer.url}/set/mca`,
          root,
          brandId: BRAND_ID,
          merchant: DEMO_MERCHANT,
          origins: [storeServer.url],
          ...(renewing ? { renewing } : {}),
        }),
    );
    if (gatewayKeys.enrolled)
      log('› the payment gateway enrolled with the PCA over SET (Me-AqCInit → CertReq → CertRes)');
    if (merchantKeys.enrolled) {
      const id = merchantKeys.signature.certificate.merchantData?.merchantId;
      log(
        `› the demo merchant ${merchantKeys.enrolled === 'renewed' ? 'renewed' : 'enrolled'} with the MCA over SET as ${id}, bound to ${storeServer.url}`,
      );
    }

    const crls = () => issuer.currentCrls();
    const gateway = await createGateway({
      db,
      signature: gatewayKeys.signature,
      keyExchange: gatewayKeys.keyExchange,
      trustedRoots: [root],
      crls,
      issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: opts.issuerTimeoutMs ?? 3000 }),
      // The dashboard answers only at its own address, and only to the operator.
      dashboard: { token: gatewayOperatorToken, hosts: hostsOf(gatewayServer.url) },
      ...(opts.now ? { now: opts.now } : {}),
    });
    gatewayServer.serve(observed('gateway', gateway.app.fetch, opts));
    gateway.delivery.start();
    stops.push(() => gateway.delivery.stop());

    const merchant = { signature: merchantKeys.signature, keyExchange: merchantKeys.keyExchange };
    const storeGateway = await createGatewayClient({
      endpoint: `${gatewayServer.url}/set`,
      merchant,
      trustedRoots: [root],
      crls,
      ...(opts.now ? { now: opts.now } : {}),
    });
    const store = await createDemoStore({
      db,
      setEndpoint: {
        merchant,
        // Like any shop: the gateway's certificates are asked for (PCertReq), not copied in.
        gateway: storeGateway,
        trustedRoots: [root],
        revocation: () => issuer.revocationInForce(),
        ...(opts.now ? { now: opts.now } : {}),
      },
      brandIds: [BRAND_ID],
      publicOrigin: storeServer.url,
      merchantToken,
      testCardsUrl: `${issuerServer.url}/test-cards`,
    });
    storeServer.serve(observed('store', store.app.fetch, opts));
    // The store hears of every change the gateway makes, its operator's refunds included.
    await storeGateway.registerNotifications(`${storeServer.url}${NOTIFICATIONS_PATH}`);
    log(
      `› the demo store registered ${storeServer.url}${NOTIFICATIONS_PATH} for the gateway's notifications (NotifyRegReq)`,
    );

    let openAcquirer: RunningSandbox['openAcquirer'];
    if (opts.openAcquirer) {
      if (opts.databaseUrl && !opts.openAcquirerDatabaseUrl) {
        throw new Error(
          'the open acquirer needs its own database: give openAcquirerDatabaseUrl with databaseUrl',
        );
      }
      openDb = await openDatabase(
        opts.openAcquirerDatabaseUrl
          ? { url: opts.openAcquirerDatabaseUrl }
          : {
              dataDir: join(dataDir, 'open-acquirer', 'db'),
              ...(opts.databaseTemplate ? { template: opts.databaseTemplate } : {}),
            },
      );
      const gatewayAt = await reserve(at(3), 'open acquirer’s gateway');
      servers.push(gatewayAt);
      const storeAt = await reserve(at(4), 'open store');
      servers.push(storeAt);
      const openGatewayKeys = await keysFor(
        join(dataDir, 'open-acquirer', 'gateway'),
        'gateway',
        undefined,
        async () =>
          enrolAtCa(
            `${issuerServer.url}/set/pca`,
            {
              requestType: 'gateway',
              answers: { gatewayName: 'SET/2 Open Acquirer Gateway', acquirer: OPEN_ACQUIRER },
            },
            root,
            BRAND_ID,
          ),
      );
      if (openGatewayKeys.keyExchange.certificate.cardCertRequired !== false) {
        throw new Error('the PCA did not certify the open acquirer’s gateway with cardCertRequired false');
      }
      const openMerchantKeys = await keysFor(
        join(dataDir, 'open-acquirer', 'merchant'),
        'merchant',
        storeAt.url,
        async (renewing) =>
          enrolMerchant({
            mca: `${issuerServer.url}/set/mca`,
            root,
            brandId: BRAND_ID,
            merchant: OPEN_MERCHANT,
            origins: [storeAt.url],
            ...(renewing ? { renewing } : {}),
          }),
      );
      const openGateway = await createGateway({
        db: openDb,
        signature: openGatewayKeys.signature,
        keyExchange: openGatewayKeys.keyExchange,
        trustedRoots: [root],
        crls,
        issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: opts.issuerTimeoutMs ?? 3000 }),
        dashboard: { token: gatewayOperatorToken, hosts: hostsOf(gatewayAt.url) },
        ...(opts.now ? { now: opts.now } : {}),
      });
      gatewayAt.serve(observed('gateway', openGateway.app.fetch, opts));
      openGateway.delivery.start();
      stops.push(() => openGateway.delivery.stop());
      const openMerchant = {
        signature: openMerchantKeys.signature,
        keyExchange: openMerchantKeys.keyExchange,
      };
      const openClient = await createGatewayClient({
        endpoint: `${gatewayAt.url}/set`,
        merchant: openMerchant,
        trustedRoots: [root],
        crls,
        ...(opts.now ? { now: opts.now } : {}),
      });
      const openStore = await createDemoStore({
        db: openDb,
        setEndpoint: {
          merchant: openMerchant,
          gateway: openClient,
          trustedRoots: [root],
          revocation: () => issuer.revocationInForce(),
          // Taken only because its gateway's certificate says cardCertRequired false.
          acceptUnsigned: true,
          ...(opts.now ? { now: opts.now } : {}),
        },
        brandIds: [BRAND_ID],
        publicOrigin: storeAt.url,
        merchantToken,
        storeName: OPEN_MERCHANT.name,
        testCardsUrl: `${issuerServer.url}/test-cards`,
      });
      storeAt.serve(observed('store', openStore.app.fetch, opts));
      await openClient.registerNotifications(`${storeAt.url}${NOTIFICATIONS_PATH}`);
      log(
        `› the open acquirer (${OPEN_ACQUIRER}: cardholder certificates optional) runs its gateway on ${gatewayAt.url} and ${OPEN_MERCHANT.name} on ${storeAt.url}`,
      );
      openAcquirer = { gateway: gatewayAt.url, store: storeAt.url };
    }

    return {
      urls: { issuer: issuerServer.url, gateway: gatewayServer.url, store: storeServer.url },
      ...(openAcquirer ? { openAcquirer } : {}),
      gatewayOperatorToken,
      operatorLinks: {
        certificates: `${issuerServer.url}/certificates?token=${encodeURIComponent(adminToken)}`,
        backOffice: `${storeServer.url}/back-office?token=${encodeURIComponent(merchantToken)}`,
        gatewayDashboard: `${gatewayServer.url}/?token=${encodeURIComponent(gatewayOperatorToken)}`,
      },
      root,
      dataDir,
      db,
      issuer,
      close,
    };
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
}

type FetchHandler = (request: Request) => Response | Promise<Response>;

const NOTIFICATION_TYPES = new Set(['NotifyRegReq', 'NotifyRegRes', 'Notification']);

/** `fetch` reporting the SET/2 messages POSTed to it and answered by it to `observe` (when given). */
function observed(
  party: SetObservation['party'],
  fetch: FetchHandler,
  { observe, observeNotifications }: Pick<SandboxOptions, 'observe' | 'observeNotifications'>,
): FetchHandler {
  if (!observe && !observeNotifications) return fetch;
  /** The SET/2 message type of `body`, if it is one. */
  const typeOf = (body: string): string | undefined => {
    try {
      const json = JSON.parse(body) as { set?: unknown; type?: unknown } | null;
      return typeof json?.set === 'string' && typeof json.type === 'string' ? json.type : undefined;
    } catch {
      return undefined;
    }
  };
  const report = (
    notification: boolean,
    direction: SetObservation['direction'],
    type: string,
    body: string,
  ) => (notification ? observeNotifications : observe)?.({ party, direction, type, body });
  return async (request) => {
    if (request.method !== 'POST') return fetch(request);
    // Copies within SET/2's size limit: what is over it is no message to show. A request over
    // it is not cloned at all, so the endpoint alone reads (and refuses) it.
    const declaredOver = declaredOverLimit(request.headers.get('content-length'), MAX_WIRE_BYTES);
    const asked = declaredOver ? '' : ((await observedText(request.clone(), MAX_WIRE_BYTES)) ?? '');
    const askedType = typeOf(asked);
    // Notifications travel on their own schedule (the gateway's delivery worker), so they, their
    // registration and whatever answers them (a refusal's Error included) stay out of the purchase
    // transcript, whose order is the protocol's. Routed by the answer's own type, a store's Error
    // to a late Notification landed in the transcript between two purchase messages.
    const about = askedType !== undefined && NOTIFICATION_TYPES.has(askedType);
    if (askedType) report(about, 'request', askedType, asked);
    const response = await fetch(request);
    const answer = (await observedText(response.clone(), MAX_WIRE_BYTES)) ?? '';
    const answerType = typeOf(answer);
    if (answerType) report(about || NOTIFICATION_TYPES.has(answerType), 'response', answerType, answer);
    return response;
  };
}

/** A per-sandbox secret kept in a 0600 file, made on first start. */
/** The Host values a server bound at `url` (on 127.0.0.1) is reached by: the IP and localhost. */
function hostsOf(url: string): string[] {
  const { port } = new URL(url);
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

function secretFile(path: string): string {
  if (!existsSync(path)) writeFileSync(path, `${b64u(randomBytes(32))}\n`, { mode: 0o600 });
  return readFileSync(path, 'utf8').trim();
}

/**
 * The signature and key-exchange keys of one party: read from `dir`, or enrolled anew when
 * missing. A merchant whose certificate names another origin than `origin` renews with its
 * current key and keeps its MerchantID; it enrols anew only when the MCA refuses the renewal (the
 * database was reset) or its certificate predates MCA-assigned MerchantIDs.
 */
async function keysFor(
  dir: string,
  prefix: 'gateway' | 'merchant',
  origin: string | undefined,
  enrolNow: (
    renewing?: KeyedCertificate,
  ) => Promise<{ signature: KeyedCertificate; keyExchange: KeyedCertificate }>,
): Promise<{
  signature: KeyedCertificate;
  keyExchange: KeyedCertificate;
  enrolled: false | 'enrolled' | 'renewed';
}> {
  const sig = `${prefix}-sig`;
  const kx = `${prefix}-kx`;
  let renewable: KeyedCertificate | undefined;
  if (hasEntry(dir, sig) && hasEntry(dir, kx)) {
    const signature = readEntry(dir, sig);
    const keyExchange = readEntry(dir, kx);
    const stillValid =
      signature.certificate.notAfter > new Date() && keyExchange.certificate.notAfter > new Date();
    const sameOrigin = origin === undefined || signature.certificate.origins.includes(origin);
    const assignedId =
      prefix !== 'merchant' || MERCHANT_ID_PATTERN.test(signature.certificate.merchantData?.merchantId ?? '');
    if (stillValid && sameOrigin && assignedId) return { signature, keyExchange, enrolled: false };
    if (stillValid && assignedId && prefix === 'merchant') renewable = signature;
  }
  let fresh: { signature: KeyedCertificate; keyExchange: KeyedCertificate } | undefined;
  let enrolled: 'enrolled' | 'renewed' = 'enrolled';
  if (renewable) {
    try {
      fresh = await enrolNow(renewable);
      enrolled = 'renewed';
    } catch (e) {
      if (!(e instanceof EnrolmentRefused)) throw e;
    }
  }
  fresh ??= await enrolNow();
  writeEntry(dir, sig, fresh.signature);
  writeEntry(dir, kx, fresh.keyExchange);
  return { ...fresh, enrolled };
}

/** A server bound now and given its handler later, so its origin is known before it serves. */
interface Reserved extends Listening {
  serve(fetch: (request: Request) => Response | Promise<Response>): void;
}

async function reserve(port: number, what: string): Promise<Reserved> {
  let handler: ((request: Request) => Response | Promise<Response>) | undefined;
  const server = await bind(
    (request) =>
      handler
        ? handler(request)
        : new Response('starting…', { status: 503, headers: { 'retry-after': '1' } }),
    port,
    what,
  );
  return {
    ...server,
    serve: (fetch) => {
      handler = fetch;
    },
  };
}

async function bind(fetch: (request: Request) => Response | Promise<Response>, port: number, what: string) {
  try {
    return await listen(fetch, { port, hostname: '127.0.0.1' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new Error(
        `port ${port} for the ${what} is in use: stop what runs there, or choose another base with --port`,
      );
    }
    throw e;
  }
}

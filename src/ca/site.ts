/**
 * The issuer site of the sandbox (ARCHITECTURE "The sandbox"): the brand's CCA, MCA and PCA behind
 * their SET endpoints, the registration and test-card pages, the certificate list with revocation,
 * and the published CRLs and BrandCRLIdentifier. One Hono app of web-standard handlers; the
 * sandbox serves it on its own origin.
 *
 *   POST /set/cca            CardCInitReq, RegFormReq, CertReq, CertInqReq (cardholders); its
 *                            answers readable by a browser extension's origin (the wallet renews a
 *                            card and asks about a pending registration itself: src/protocol/wallet-cors.ts)
 *   POST /set/mca, /set/pca  Me-AqCInitReq, CertReq (merchants, gateways)
 *   GET  /crl/{cca,mca,pca,brand}.crl, /bci, /pki/root.pem
 *   GET  /, /register, /test-cards, /certificates   POST /certificates/revoke
 *   GET  /merchants   POST /merchants/enrol, /merchants/revoke   (merchant-routes.ts)
 *   POST /admin/revoke       {serial}, Authorization: Bearer <admin token>
 */
import * as nodeCrypto from 'node:crypto';
import { type Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import * as v from 'valibot';
import {
  certificateToPem,
  constantTimeEqual,
  nodeCryptoProvider,
  type ParsedCertificate,
  type ParsedCrl,
  type RevocationInForce,
  type SignedBody,
  useCryptoProvider,
} from '../protocol/index.ts';
import { readableByWallet, walletPreflight } from '../protocol/wallet-cors.ts';
import { DatabaseUnavailableError, migrate } from '../storage/index.ts';
import {
  fromOwnPages,
  healthResponse,
  languageHeaders,
  languageSwitch,
  OperatorGate,
  readForm,
  readLimitedBody,
  type SafeHtml,
  siteTextFor,
} from '../web/index.ts';
import { cardholderHandlers, panDigestKey } from './cardholder-registration.ts';
import { certReqHandlers } from './cert-req.ts';
import { checkDeps } from './check-deps.ts';
import { DEFAULT_PENDING_CARDS, type IssuerSiteDeps, type KeyHolder } from './deps.ts';
import { sandboxEnrolments } from './enrolment-policy.ts';
import { meAqHandlers } from './me-aq-registration.ts';
import { merchantRoutes } from './merchant-routes.ts';
import { CA_MIGRATIONS } from './migrations.ts';
import { certificatesPage, type Notice } from './pages/certificates.ts';
import { homePage } from './pages/home.ts';
import { messagePage } from './pages/message.ts';
import { registerPage } from './pages/register.ts';
import { testCardsPage } from './pages/test-cards.ts';
import {
  DEFAULT_CARDHOLDER_FORM,
  DEFAULT_CARDHOLDER_RENEWAL_FORM,
  DEFAULT_GATEWAY_FORM,
  DEFAULT_MERCHANT_FORM,
  localized,
} from './reg-forms.ts';
import type { CaRole, RegistrationContext } from './registration-context.ts';
import { ISSUING_CAS, Revocation, type RevocationResult } from './revocation.ts';
import { normaliseSerial, SerialInput } from './serial.ts';
import { setEndpoint } from './set-endpoint.ts';
import { pruneCertRequests } from './store/cert-requests.ts';
import {
  countCertificates,
  findCertificate,
  type IssuingCa,
  listCertificates,
  recordCertificate,
} from './store/certificates.ts';
import { pruneExpiredPending } from './store/pending.ts';
import { pruneResponses } from './store/responses.ts';
import { CA_TEXT, type CaKey, type CaText } from './text/index.ts';

export interface IssuerSite {
  app: Hono;
  /** The latest CRL of every CA, from the database: give it to the gateway for each check. */
  currentCrls(): Promise<ParsedCrl[]>;
  /** The current signed BrandCRLIdentifier. */
  brandCrlIdentifier(): Promise<SignedBody>;
  /** Both: the BrandCRLIdentifier and the CRLs in force, for a merchant SDK's `revocation` provider. */
  revocationInForce(): Promise<RevocationInForce>;
  /** Revokes by serial (hex, any case, colons allowed); throws RangeError for a malformed serial. */
  revoke(serial: string): Promise<RevocationResult>;
}

/** The administrator's session cookie (src/web/operator-gate.ts), made from the admin token. */
export const ADMIN_COOKIE = 'set_issuer_admin';

/** Where the CCA listens: what the registration initiation names. */
export const CCA_ENDPOINT = '/set/cca';
const CERTIFICATES_SHOWN = 500;
const REVOKE_FORM_BYTES = 2048;
const TIDY_EVERY_MS = 60_000;

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    // connect-src 'self': the wallet's content script posts registration messages to /set/cca, and
    // Firefox applies the page's policy to content-script requests.
    "default-src 'none'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const RevokeForm = v.strictObject({
  serial: v.pipe(v.string(), v.maxLength(80)),
  csrf: v.pipe(v.string(), v.maxLength(128)),
});
const RevokeRequest = v.strictObject({ serial: SerialInput });

/**
 * Builds the site: checks the wiring, applies CA_MIGRATIONS, records the CA certificates, and
 * publishes the first CRLs and BrandCRLIdentifier if there are none yet.
 */
export async function createIssuerSite(deps: IssuerSiteDeps): Promise<IssuerSite> {
  // Public-key cryptography and AES-GCM on node:crypto (src/protocol/primitives/provider.ts).
  useCryptoProvider(nodeCryptoProvider(nodeCrypto));
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? ((line: string) => console.error(`issuer: ${line}`));
  await checkDeps(deps, now());
  const gate = new OperatorGate(deps.adminToken, 'SET/2 issuer site');
  const { db } = deps;
  await migrate(db, CA_MIGRATIONS);

  const issuers: Record<IssuingCa, KeyHolder> = {
    brand: deps.brand,
    cca: deps.cca.signature,
    mca: deps.mca.signature,
    pca: deps.pca.signature,
  };
  await recordKnownCertificates(deps, issuers);
  const revocation = new Revocation({ db, issuers, brandId: deps.brandId, now });
  await revocation.ensurePublished();

  let lastTidy = 0;
  const tidy = async (at: Date) => {
    if (at.getTime() - lastTidy < TIDY_EVERY_MS) return;
    lastTidy = at.getTime();
    await pruneExpiredPending(db, at);
    await pruneCertRequests(db, at);
    await pruneResponses(db, at);
  };
  const forms = {
    cardholder: localized(deps.regForm ?? DEFAULT_CARDHOLDER_FORM),
    cardholderRenewal: localized(deps.renewalRegForm ?? DEFAULT_CARDHOLDER_RENEWAL_FORM),
    merchant: localized(deps.merchantRegForm ?? DEFAULT_MERCHANT_FORM),
    gateway: localized(deps.gatewayRegForm ?? DEFAULT_GATEWAY_FORM),
  };
  const roles: CaRole[] = [
    { name: 'cca', title: 'Cardholder CA', certificateType: 'cardholder-ca', ...roleKeys(deps.cca) },
    { name: 'mca', title: 'Merchant CA', certificateType: 'merchant-ca', ...roleKeys(deps.mca) },
    { name: 'pca', title: 'Payment Gateway CA', certificateType: 'gateway-ca', ...roleKeys(deps.pca) },
  ];

  const app = new Hono();
  const page = (tx: CaText, body: string, status = 200) =>
    new Response(body, { status, headers: { ...HTML_HEADERS, ...languageHeaders(tx.locale) } });
  const refusal = (tx: CaText, title: CaKey, text: SafeHtml, status: number, back?: string) =>
    page(
      tx,
      messagePage({ tx, issuerName: deps.issuerName, title: tx.t(title), text, ...(back ? { back } : {}) }),
      status,
    );
  const textOf = (c: Context): CaText => siteTextFor(CA_TEXT, c.req.raw);
  // The pages' language switcher (?lang=xx): a cookie, then the same page without the parameter.
  app.use('*', async (c, next) => languageSwitch(c.req.raw) ?? next());

  const endpoints = new Map<CaRole['name'], (req: Request) => Promise<Response>>();
  for (const role of roles) {
    const ctx: RegistrationContext = {
      role,
      db,
      brandId: deps.brandId,
      forms,
      enrolments: deps.enrolments ?? sandboxEnrolments,
      cardholderReview: (pan) => (deps.pendingCards ?? DEFAULT_PENDING_CARDS).includes(pan),
      ...(deps.cardholderValidityMs === undefined ? {} : { cardholderValidityMs: deps.cardholderValidityMs }),
      revocation,
      tidy,
    };
    const panKey = role.name === 'cca' ? panDigestKey(role.keyExchange.privateKey) : undefined;
    const handlers =
      role.name === 'cca'
        ? { ...cardholderHandlers(ctx, panKey!), ...certReqHandlers(ctx, panKey) }
        : { ...meAqHandlers(ctx), ...certReqHandlers(ctx) };
    const handle = setEndpoint({ role, db, handlers, now, log });
    endpoints.set(role.name, handle);
    // The CCA's answers are readable by a wallet's background too (renewal, "check again").
    const cca = role.name === 'cca';
    app.post(`/set/${role.name}`, async (c) =>
      cca ? readableByWallet(await handle(c.req.raw), c.req.raw) : handle(c.req.raw),
    );
    app.all(
      `/set/${role.name}`,
      (c) =>
        (cca ? walletPreflight(c.req.raw) : undefined) ??
        new Response('This SET/2 endpoint takes POST.\n', {
          status: 405,
          headers: { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' },
        }),
    );
  }

  const crlFiles = new Map<string, IssuingCa>(ISSUING_CAS.map((ca) => [`${ca}.crl`, ca]));
  app.get('/crl/:file', async (c) => {
    const ca = crlFiles.get(c.req.param('file'));
    if (!ca) return c.text('No such CRL: try cca.crl, mca.crl, pca.crl or brand.crl.\n', 404);
    const crl = await revocation.crlOf(ca);
    return new Response(crl.der.slice(), {
      headers: {
        'content-type': 'application/pkix-crl',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      },
    });
  });
  app.get('/bci', async (c) => {
    c.header('cache-control', 'no-cache');
    return c.json(await revocation.brandCrlIdentifier());
  });
  app.get('/pki/root.pem', () => {
    const pem = deps.trustedRoots.map((r) => certificateToPem(r.der)).join('');
    // Public by nature (a trust anchor is only trusted after the user checks its fingerprint), and
    // fetched cross-origin by the wallet's options page.
    return new Response(pem, {
      headers: { 'content-type': 'application/x-pem-file', 'access-control-allow-origin': '*' },
    });
  });

  app.get('/', (c) => {
    const tx = textOf(c);
    return page(tx, homePage({ tx, issuerName: deps.issuerName, brandId: deps.brandId }));
  });
  app.get('/register', (c) => {
    const tx = textOf(c);
    return page(
      tx,
      registerPage({ tx, issuerName: deps.issuerName, brandId: deps.brandId, ccaEndpoint: CCA_ENDPOINT }),
    );
  });
  app.get('/test-cards', (c) => {
    const tx = textOf(c);
    return page(
      tx,
      testCardsPage({
        tx,
        issuerName: deps.issuerName,
        brandId: deps.brandId,
        cards: deps.testCards,
        pendingCards: deps.pendingCards ?? DEFAULT_PENDING_CARDS,
        now: now(),
      }),
    );
  });

  app.get('/certificates', async (c) => {
    const tx = textOf(c);
    const token = c.req.query('token');
    if (token !== undefined) {
      if (!gate.tokenMatches(token)) {
        return refusal(tx, 'badAdminLinkTitle', tx.t('badAdminLink'), 403, '/certificates');
      }
      // Swap the token for a session cookie, and take it out of the address bar and history.
      return gate.signIn({ cookie: ADMIN_COOKIE, location: '/certificates', now: now(), secure: false });
    }
    const session = getCookie(c, ADMIN_COOKIE);
    const admin = session !== undefined && gate.sessionMatches(session, now());
    const [certificates, total] = await Promise.all([
      listCertificates(db, CERTIFICATES_SHOWN),
      countCertificates(db),
    ]);
    let notice: Notice | undefined;
    const revoked = normaliseSerial(c.req.query('revoked') ?? '');
    if (revoked) {
      const rec = await findCertificate(db, revoked);
      if (rec?.revokedAt) {
        notice = { kind: 'ok', text: tx.t('certificatesRevoked', { serial: revoked }) };
      }
    }
    return page(
      tx,
      certificatesPage({
        tx,
        issuerName: deps.issuerName,
        certificates,
        total,
        now: now(),
        ...(admin ? { csrf: gate.formToken(session) } : {}),
        ...(notice ? { notice } : {}),
      }),
    );
  });

  merchantRoutes(app, {
    db,
    gate,
    cookie: ADMIN_COOKIE,
    revocation,
    mca: endpoints.get('mca')!,
    roots: deps.trustedRoots,
    brandId: deps.brandId,
    issuerName: deps.issuerName,
    now,
    log,
    page,
    refusal,
    textOf,
  });

  app.post('/certificates/revoke', async (c) => {
    const back = '/certificates';
    const tx = textOf(c);
    const session = getCookie(c, ADMIN_COOKIE);
    if (session === undefined || !gate.sessionMatches(session, now())) {
      return refusal(tx, 'notSignedInTitle', tx.t('notSignedIn'), 403, back);
    }
    if (!fromOwnPages(c.req.raw.headers, new URL(c.req.url).origin)) {
      return refusal(tx, 'refusedTitle', tx.t('notFromSite'), 403, back);
    }
    const read = await readForm(c.req.raw, { maxBytes: REVOKE_FORM_BYTES });
    if (!read.ok) {
      return read.status === 413
        ? refusal(tx, 'refusedTitle', tx.t('formTooLarge', { bytes: REVOKE_FORM_BYTES }), 413, back)
        : refusal(tx, 'refusedTitle', tx.t('certificatesFormStale'), 400, back);
    }
    const form = v.safeParse(RevokeForm, read.fields);
    if (!form.success || !gate.formTokenMatches(session, form.output.csrf)) {
      return refusal(tx, 'refusedTitle', tx.t('certificatesFormStale'), 403, back);
    }
    const serial = normaliseSerial(form.output.serial);
    if (!serial) return refusal(tx, 'notSerialTitle', tx.t('notSerial'), 422, back);
    const result = await revocation.revoke(serial);
    if (result.status === 'unknown') {
      return refusal(tx, 'unknownCertificateTitle', tx.t('unknownCertificate', { serial }), 404, back);
    }
    log(`revoked ${serial} (${result.issuer}), CRL ${result.crlNumber}, from the certificates page`);
    return new Response(null, {
      status: 303,
      headers: { location: `/certificates?revoked=${serial}`, 'cache-control': 'no-store' },
    });
  });

  app.post('/admin/revoke', async (c) => {
    const auth = gate.bearer(c.req.header('authorization'));
    if (auth === 'missing') {
      c.header('www-authenticate', 'Bearer realm="setwallet issuer"');
      return c.json({ error: 'missing Authorization: Bearer <admin token>' }, 401);
    }
    if (auth === 'wrong') return c.json({ error: 'wrong admin token' }, 403);
    const body = await readLimitedBody(c.req.raw, 1024);
    if (!body.ok) return c.json({ error: 'the body is at most 1024 bytes' }, 413);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body.bytes));
    } catch {
      return c.json({ error: 'the body must be JSON: {"serial": "<hex>"}' }, 400);
    }
    const parsed = v.safeParse(RevokeRequest, json);
    const serial = parsed.success ? normaliseSerial(parsed.output.serial) : undefined;
    if (!serial) return c.json({ error: 'the body must be {"serial": "<hexadecimal serial number>"}' }, 400);
    const result = await revocation.revoke(serial);
    if (result.status === 'unknown') return c.json({ error: 'no certificate with this serial', serial }, 404);
    log(`revoked ${serial} (${result.issuer}), CRL ${result.crlNumber}, through the admin API`);
    return c.json({ ...result, revokedAt: result.revokedAt.toISOString() });
  });

  app.get('/healthz', () => healthResponse(db));

  app.notFound((c) => {
    const tx = textOf(c);
    return refusal(tx, 'notFoundTitle', tx.t('notFound'), 404);
  });
  app.onError((err, c) => {
    log(`${c.req.method} ${new URL(c.req.url).pathname}: ${err.name}: ${err.message}`);
    if (err instanceof DatabaseUnavailableError) {
      const retry = { 'retry-after': String(err.retryAfterSeconds) };
      if (new URL(c.req.url).pathname.startsWith('/admin/')) {
        return c.json({ error: 'the issuer cannot reach its database just now; retry shortly' }, 503, retry);
      }
      const tx = textOf(c);
      const r = refusal(tx, 'unavailableTitle', tx.t('unavailable'), 503);
      r.headers.set('retry-after', retry['retry-after']);
      return r;
    }
    if (new URL(c.req.url).pathname.startsWith('/admin/')) {
      return c.json({ error: 'the issuer could not do this; see its log' }, 422);
    }
    const tx = textOf(c);
    return refusal(tx, 'failedTitle', tx.t('failed'), 422);
  });

  return {
    app,
    currentCrls: () => revocation.currentCrls(),
    brandCrlIdentifier: () => revocation.brandCrlIdentifier(),
    revocationInForce: () => revocation.inForce(),
    revoke: async (serial) => {
      const normal = normaliseSerial(serial);
      if (!normal) throw new RangeError(`not a certificate serial number: ${serial.slice(0, 80)}`);
      return revocation.revoke(normal);
    },
  };
}

function roleKeys(keys: IssuerSiteDeps['cca']): Pick<CaRole, 'signer' | 'keyExchange'> {
  return { signer: keys.signature, keyExchange: keys.keyExchange };
}

/**
 * Records what this site's CAs issued outside the SET endpoints, so it can be listed and
 * revoked: the CA certificates the brand CA issued (on the brand CRL), and deps.alsoIssued.
 */
async function recordKnownCertificates(deps: IssuerSiteDeps, issuers: Record<IssuingCa, KeyHolder>) {
  const issuerOf = (cert: ParsedCertificate): IssuingCa | undefined =>
    ISSUING_CAS.find((ca) => {
      const c = issuers[ca].certificate;
      return (
        cert.issuerDn === c.subjectDn &&
        cert.authorityKeyId !== undefined &&
        constantTimeEqual(cert.authorityKeyId, c.subjectKeyId)
      );
    });
  const known = [
    ...(['cca', 'mca', 'pca'] as const).flatMap((ca) => [
      deps[ca].signature.certificate,
      deps[ca].keyExchange.certificate,
    ]),
    ...(deps.alsoIssued ?? []),
  ];
  await deps.db.transaction(async (tx) => {
    for (const certificate of known) {
      const issuer = issuerOf(certificate);
      if (!issuer) {
        // A CA under a geopolitical CA is not this site's to revoke; anything else is a wiring mistake.
        if (certificate.isCA) continue;
        throw new Error(`alsoIssued: "${certificate.subjectDn}" was not issued by this site's CAs`);
      }
      await recordCertificate(tx, { certificate, issuer, issuedAt: certificate.notBefore, ifAbsent: true });
    }
  });
}

/**
 * The Merchants page's routes (pages/merchants.ts):
 *
 *   GET  /merchants                    the enrolments; with the admin session, the enrol form
 *   POST /merchants/enrol              name, origins, city, country, category, csrf → 303
 *   GET  /merchants/bundle/:token      the fresh bundle (admin session; 15 minutes; JSON)
 *   POST /merchants/revoke             merchantId, csrf → revokes its live certificates → 303
 *
 * State changes take the same gate as the certificates page's Revoke (src/web/operator-gate.ts):
 * the admin session cookie, its form token, and fromOwnPages (Origin and Fetch Metadata). Forms are
 * parsed with valibot within a byte limit; bad input is a 400 page with a sentence.
 *
 * An enrolment runs the SET exchange against the MCA's own handler (browser-enrolment.ts), so the
 * MerchantID, name rules, policy and tables are those of every enrolment. The bundle (keys
 * included) is kept in memory only, for BUNDLE_TTL_MS, under a random token.
 */
import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import * as v from 'valibot';
import {
  b64u,
  isWebOrigin,
  MAX_ORIGINS,
  merchantBundleFiles,
  merchantBundleJson,
  type ParsedCertificate,
  randomBytes,
} from '../protocol/index.ts';
import type { Database } from '../storage/index.ts';
import { fromOwnPages, html, type OperatorGate, readForm, type SafeHtml } from '../web/index.ts';
import { enrolInProcess } from './browser-enrolment.ts';
import { type FreshBundle, merchantsPage } from './pages/merchants.ts';
import type { Revocation } from './revocation.ts';
import { MERCHANT_ID_PATTERN } from './store/merchant-enrolments.ts';
import { listMerchants, liveSerialsOf, merchantExists } from './store/merchant-list.ts';
import { CA_TEXT, type CaKey, type CaText } from './text/index.ts';

export const BUNDLE_TTL_MS = 15 * 60_000;
const MERCHANTS_SHOWN = 500;
const MAX_FORM_BYTES = 4096;

// Each issue's message is the catalogue key of its sentence (src/ca/text), with the limit as {max}.
const Trimmed = (max: number, missing: CaKey, tooLong: CaKey) =>
  v.pipe(v.string(), v.trim(), v.minLength(1, missing), v.maxLength(max, tooLong));
const NAME_MAX = 128;
const CITY_MAX = 64;
const ORIGINS_MAX = 2048;
const LIMIT_OF: Partial<Record<CaKey, number>> = {
  enrolNameTooLong: NAME_MAX,
  enrolCityTooLong: CITY_MAX,
  enrolOriginsTooLong: ORIGINS_MAX,
};

const EnrolForm = v.strictObject({
  csrf: v.pipe(v.string(), v.maxLength(128)),
  name: Trimmed(NAME_MAX, 'enrolGiveName', 'enrolNameTooLong'),
  origins: v.pipe(v.string(), v.maxLength(ORIGINS_MAX, 'enrolOriginsTooLong')),
  city: Trimmed(CITY_MAX, 'enrolGiveCity', 'enrolCityTooLong'),
  country: v.pipe(v.string(), v.trim(), v.toUpperCase(), v.regex(/^[A-Z]{2}$/, 'enrolCountryCode')),
  category: v.pipe(v.string(), v.trim(), v.regex(/^\d{4}$/, 'enrolCategoryCode')),
});

function isCaKey(message: string | undefined): message is CaKey {
  return message !== undefined && Object.hasOwn(CA_TEXT.en, message);
}

const RevokeMerchantForm = v.strictObject({
  csrf: v.pipe(v.string(), v.maxLength(128)),
  merchantId: v.pipe(v.string(), v.maxLength(64)),
});

export interface MerchantRoutesDeps {
  db: Database;
  gate: OperatorGate;
  /** The admin session cookie's name. */
  cookie: string;
  revocation: Revocation;
  /** The MCA's SET endpoint handler (POST /set/mca). */
  mca: (req: Request) => Promise<Response>;
  roots: ParsedCertificate[];
  brandId: string;
  issuerName: string;
  now: () => Date;
  log: (line: string) => void;
  page: (tx: CaText, body: string, status?: number) => Response;
  refusal: (tx: CaText, title: CaKey, text: SafeHtml, status: number, back?: string) => Response;
  /** The request's words, in the language it asks for. */
  textOf: (c: Context) => CaText;
}

export function merchantRoutes(app: Hono, d: MerchantRoutesDeps): void {
  const bundles = new Map<string, { json: string; merchantId: string; name: string; expires: number }>();
  const prune = () => {
    const at = d.now().getTime();
    for (const [token, b] of bundles) if (b.expires <= at) bundles.delete(token);
  };
  const back = '/merchants';

  /** The admin session cookie when it is valid now. */
  const sessionOf = (c: Context): string | undefined => {
    const session = getCookie(c, d.cookie);
    return session !== undefined && d.gate.sessionMatches(session, d.now()) ? session : undefined;
  };

  /** The gate of every state change: the form's fields when it passes, else the refusal. */
  async function gatedForm(c: Context, tx: CaText): Promise<Response | Record<string, string>> {
    const session = sessionOf(c);
    if (session === undefined) return d.refusal(tx, 'notSignedInTitle', tx.t('notSignedIn'), 403, back);
    if (!fromOwnPages(c.req.raw.headers, new URL(c.req.url).origin)) {
      return d.refusal(tx, 'refusedTitle', tx.t('notFromSite'), 403, back);
    }
    const read = await readForm(c.req.raw, { maxBytes: MAX_FORM_BYTES, maxFieldLength: MAX_FORM_BYTES });
    if (!read.ok) {
      return read.status === 413
        ? d.refusal(tx, 'refusedTitle', tx.t('formTooLarge', { bytes: MAX_FORM_BYTES }), 413, back)
        : d.refusal(tx, 'refusedTitle', tx.t('merchantsFormStale'), 400, back);
    }
    const fields = read.fields;
    if (!d.gate.formTokenMatches(session, fields.csrf)) {
      return d.refusal(tx, 'refusedTitle', tx.t('merchantsFormStale'), 403, back);
    }
    return fields;
  }

  app.get('/merchants', async (c) => {
    const tx = d.textOf(c);
    prune();
    const session = sessionOf(c);
    const admin = session !== undefined;
    const merchants = await listMerchants(d.db, MERCHANTS_SHOWN, d.now());
    const token = c.req.query('bundle');
    const held = admin && token ? bundles.get(token) : undefined;
    const fresh: FreshBundle | undefined =
      held && token
        ? {
            merchantId: held.merchantId,
            name: held.name,
            href: `/merchants/bundle/${token}`,
            fileName: `set-merchant-${held.merchantId}.json`,
          }
        : undefined;
    const revoked = c.req.query('revoked');
    const notice =
      revoked && MERCHANT_ID_PATTERN.test(revoked)
        ? {
            kind: 'ok' as const,
            text: tx.t('merchantsRevoked', { id: revoked }),
          }
        : undefined;
    return d.page(
      tx,
      merchantsPage({
        tx,
        issuerName: d.issuerName,
        merchants,
        now: d.now(),
        ...(session !== undefined ? { csrf: d.gate.formToken(session) } : {}),
        ...(fresh ? { fresh } : {}),
        ...(notice ? { notice } : {}),
      }),
    );
  });

  app.post('/merchants/enrol', async (c) => {
    const tx = d.textOf(c);
    const notEnrolled = (text: SafeHtml) => d.refusal(tx, 'notEnrolledTitle', text, 400, back);
    const fields = await gatedForm(c, tx);
    if (fields instanceof Response) return fields;
    const form = v.safeParse(EnrolForm, fields);
    if (!form.success) {
      const issue = form.issues[0];
      const key: CaKey =
        issue?.type === 'strict_object' || issue?.type === 'string'
          ? 'enrolUnknownFields'
          : isCaKey(issue?.message)
            ? issue.message
            : 'enrolMissing';
      return notEnrolled(tx.t(key, { max: LIMIT_OF[key] ?? '' }));
    }
    const origins = [
      ...new Set(
        form.output.origins
          .split(/[\s,]+/)
          .map((o) => o.trim().replace(/\/$/, ''))
          .filter(Boolean),
      ),
    ];
    if (!origins.length) return notEnrolled(tx.t('enrolNoOrigin'));
    if (origins.length > MAX_ORIGINS) return notEnrolled(tx.t('enrolTooManyOrigins', { max: MAX_ORIGINS }));
    const bad = origins.find((o) => !isWebOrigin(o));
    if (bad !== undefined) return notEnrolled(tx.t('enrolBadOrigin', { origin: bad.slice(0, 80) }));
    const { name, city, country, category } = form.output;
    const result = await enrolInProcess({
      mca: d.mca,
      roots: d.roots,
      brandId: d.brandId,
      merchant: { name, city, country, categoryCode: category },
      origins,
      now: d.now,
    });
    if (!result.enrolled) return notEnrolled(tx.t('enrolRefused', { reason: result.reason }));
    const files = merchantBundleFiles({
      merchantId: result.merchantId,
      signature: result.signature,
      keyExchange: result.keyExchange,
      root: result.root,
      brandId: d.brandId,
      mca: `${new URL(c.req.url).origin}/set/mca`,
      enrolledAt: d.now(),
    });
    prune();
    const token = b64u(randomBytes(18));
    bundles.set(token, {
      json: merchantBundleJson(files),
      merchantId: result.merchantId,
      name,
      expires: d.now().getTime() + BUNDLE_TTL_MS,
    });
    d.log(`enrolled merchant ${result.merchantId} for ${origins.join(', ')} from the merchants page`);
    return new Response(null, {
      status: 303,
      headers: { location: `/merchants?bundle=${token}`, 'cache-control': 'no-store' },
    });
  });

  app.get('/merchants/bundle/:token', (c) => {
    const tx = d.textOf(c);
    prune();
    if (sessionOf(c) === undefined) return d.refusal(tx, 'notSignedInTitle', tx.t('notSignedIn'), 403, back);
    const held = bundles.get(c.req.param('token'));
    if (!held) {
      const command = html`<code>setwallet merchant enrol</code>`;
      return d.refusal(tx, 'noBundleTitle', tx.t('noBundle', { command }), 404, back);
    }
    return new Response(held.json, {
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-disposition': `attachment; filename="set-merchant-${held.merchantId}.json"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
    });
  });

  app.post('/merchants/revoke', async (c) => {
    const tx = d.textOf(c);
    const fields = await gatedForm(c, tx);
    if (fields instanceof Response) return fields;
    const form = v.safeParse(RevokeMerchantForm, fields);
    if (!form.success || !MERCHANT_ID_PATTERN.test(form.output.merchantId)) {
      return d.refusal(tx, 'notMerchantIdTitle', tx.t('notMerchantId'), 400, back);
    }
    const { merchantId } = form.output;
    if (!(await merchantExists(d.db, merchantId))) {
      return d.refusal(tx, 'unknownMerchantTitle', tx.t('unknownMerchant', { id: merchantId }), 404, back);
    }
    const serials = await liveSerialsOf(d.db, merchantId);
    for (const serial of serials) {
      const r = await d.revocation.revoke(serial);
      if (r.status !== 'unknown')
        d.log(`revoked ${serial} (${r.issuer}) of ${merchantId}, CRL ${r.crlNumber}`);
    }
    return new Response(null, {
      status: 303,
      headers: { location: `/merchants?revoked=${merchantId}`, 'cache-control': 'no-store' },
    });
  });
}

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
import { fromOwnPages, type OperatorGate, readLimitedBody } from '../web/index.ts';
import { enrolInProcess } from './browser-enrolment.ts';
import { type FreshBundle, merchantsPage } from './pages/merchants.ts';
import type { Revocation } from './revocation.ts';
import { MERCHANT_ID_PATTERN } from './store/merchant-enrolments.ts';
import { listMerchants, liveSerialsOf, merchantExists } from './store/merchant-list.ts';

export const BUNDLE_TTL_MS = 15 * 60_000;
const MERCHANTS_SHOWN = 500;
const MAX_FORM_BYTES = 4096;

const Trimmed = (max: number, what: string) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1, `Give the ${what}.`),
    v.maxLength(max, `The ${what} is at most ${max} characters.`),
  );

const EnrolForm = v.strictObject({
  csrf: v.pipe(v.string(), v.maxLength(128)),
  name: Trimmed(128, 'shop name'),
  origins: v.pipe(v.string(), v.maxLength(2048, 'The origins are at most 2048 characters.')),
  city: Trimmed(64, 'city'),
  country: v.pipe(
    v.string(),
    v.trim(),
    v.toUpperCase(),
    v.regex(/^[A-Z]{2}$/, 'The country is a two-letter code such as GB.'),
  ),
  category: v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^\d{4}$/, 'The merchant category code is four digits, such as 5999.'),
  ),
});

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
  page: (body: string, status?: number) => Response;
  refusal: (title: string, text: string, status: number, back?: string) => Response;
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
  async function gatedForm(c: Context): Promise<Response | Record<string, string>> {
    const session = sessionOf(c);
    if (session === undefined) {
      return d.refusal(
        'Not signed in',
        'Open the administrator link the sandbox printed, then try again.',
        403,
        back,
      );
    }
    if (!fromOwnPages(c.req.raw.headers, new URL(c.req.url).origin)) {
      return d.refusal('Refused', 'This form must be sent from this site.', 403, back);
    }
    const body = await readLimitedBody(c.req.raw, MAX_FORM_BYTES);
    if (!body.ok) return d.refusal('Refused', `The form is larger than ${MAX_FORM_BYTES} bytes.`, 413, back);
    const fields = Object.fromEntries(new URLSearchParams(new TextDecoder().decode(body.bytes)));
    if (!d.gate.formTokenMatches(session, fields.csrf)) {
      return d.refusal(
        'Refused',
        'The form is out of date: reload the merchants page and try again.',
        403,
        back,
      );
    }
    return fields;
  }

  app.get('/merchants', async (c) => {
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
            text: `Merchant ${revoked}'s certificates are revoked and listed on the Merchant CA's new CRL.`,
          }
        : undefined;
    return d.page(
      merchantsPage({
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
    const fields = await gatedForm(c);
    if (fields instanceof Response) return fields;
    const form = v.safeParse(EnrolForm, fields);
    if (!form.success) {
      const issue = form.issues[0];
      const sentence =
        issue?.type === 'strict_object' || issue?.type === 'string'
          ? 'The form has fields this page does not send: reload the merchants page and try again.'
          : (issue?.message ?? 'The form is not filled in.');
      return d.refusal('Not enrolled', sentence, 400, back);
    }
    const origins = [
      ...new Set(
        form.output.origins
          .split(/[\s,]+/)
          .map((o) => o.trim().replace(/\/$/, ''))
          .filter(Boolean),
      ),
    ];
    if (!origins.length) return d.refusal('Not enrolled', 'Give at least one web origin.', 400, back);
    if (origins.length > MAX_ORIGINS) {
      return d.refusal(
        'Not enrolled',
        `A merchant certificate names at most ${MAX_ORIGINS} origins.`,
        400,
        back,
      );
    }
    const bad = origins.find((o) => !isWebOrigin(o));
    if (bad !== undefined) {
      return d.refusal(
        'Not enrolled',
        `"${bad.slice(0, 80)}" is not a web origin: write it as https://shop.example (scheme, host and port only).`,
        400,
        back,
      );
    }
    const { name, city, country, category } = form.output;
    const result = await enrolInProcess({
      mca: d.mca,
      roots: d.roots,
      brandId: d.brandId,
      merchant: { name, city, country, categoryCode: category },
      origins,
      now: d.now,
    });
    if (!result.enrolled)
      return d.refusal('Not enrolled', `The Merchant CA refused: ${result.reason}`, 400, back);
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
    prune();
    if (sessionOf(c) === undefined) {
      return d.refusal(
        'Not signed in',
        'Open the administrator link the sandbox printed, then try again.',
        403,
        back,
      );
    }
    const held = bundles.get(c.req.param('token'));
    if (!held) {
      return d.refusal(
        'No such bundle',
        'This bundle has expired or never existed: the issuer keeps a bundle for 15 minutes. Enrol again under another name, or run setwallet merchant enrol.',
        404,
        back,
      );
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
    const fields = await gatedForm(c);
    if (fields instanceof Response) return fields;
    const form = v.safeParse(RevokeMerchantForm, fields);
    if (!form.success || !MERCHANT_ID_PATTERN.test(form.output.merchantId)) {
      return d.refusal('Not a MerchantID', 'A MerchantID is M and 15 digits.', 400, back);
    }
    const { merchantId } = form.output;
    if (!(await merchantExists(d.db, merchantId))) {
      return d.refusal('Unknown merchant', `No merchant ${merchantId} was enrolled here.`, 404, back);
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

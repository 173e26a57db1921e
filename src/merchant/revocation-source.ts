/**
 * Where a shop's SET endpoint gets the brand's BrandCRLIdentifier and the CRLs in force
 * (createSetEndpoint's `revocation`): from its CA's site over HTTP, `GET /bci` and
 * `GET /crl/{brand,pca,mca,cca}.crl` (the sandbox issuer site serves them). Wallets refuse to pay a
 * merchant that attaches no current BrandCRLIdentifier.
 *
 *   const revocation = revocationFromIssuer('http://127.0.0.1:8700');
 *   createSetEndpoint({ …, revocation });
 *
 * Each answer is read with a size limit and parsed (the BrandCRLIdentifier's SignedBody and content
 * schema, each CRL's DER) before use. Nothing here is trusted for more than it is: the wallet
 * verifies the BrandCRLIdentifier under the brand CA, and a CRL counts in a revocation check only
 * when the issuer in the path signed it. What was fetched is kept for `refreshMs` (default one
 * minute, never past the BrandCRLIdentifier's nextUpdate) and shared by concurrent requests; when
 * the CA is unreachable, the last good set is used until its nextUpdate, and after that a request
 * fails with `unspecifiedFailure` and a sentence saying what to check.
 */
import * as v from 'valibot';
import {
  BrandCrlIdentifierContent,
  fail,
  fromB64u,
  type ParsedCrl,
  parseCrl,
  parseJsonBytes,
  type RevocationInForce,
  readLimitedBody,
  SetError,
  SignedBody,
} from '../protocol/index.ts';

export interface RevocationFromIssuerOptions {
  /** How long a fetched set is used before asking again (ms; default 60 000). */
  refreshMs?: number;
  /** The CRL files to fetch under /crl/ (default the brand's four CAs). */
  crlFiles?: readonly string[];
  fetch?: typeof fetch;
  now?: () => Date;
  /** Per request (ms; default 10 000). */
  timeoutMs?: number;
}

const MAX_BCI_BYTES = 64 * 1024;
const MAX_CRL_BYTES = 1024 * 1024;
const DEFAULT_CRLS = ['brand.crl', 'pca.crl', 'mca.crl', 'cca.crl'] as const;

export function revocationFromIssuer(
  issuer: string,
  opts: RevocationFromIssuerOptions = {},
): () => Promise<RevocationInForce> {
  const base = new URL(issuer);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new TypeError(`revocationFromIssuer: ${issuer} is not an http(s) URL`);
  }
  const fetchFn = opts.fetch ?? fetch;
  const now = opts.now ?? (() => new Date());
  const refreshMs = opts.refreshMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const files = opts.crlFiles ?? DEFAULT_CRLS;
  let kept: { info: RevocationInForce; fetchedAt: number; nextUpdate: number } | undefined;
  let inFlight: Promise<RevocationInForce> | undefined;

  const get = async (path: string, limit: number): Promise<Uint8Array> => {
    const url = new URL(path, base);
    const response = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    if (!response.ok) fail('unspecifiedFailure', `${url.href} answered HTTP ${response.status}`);
    const body = await readLimitedBody(response, limit);
    if (!body.ok) fail('messageTooBig', `${url.href} is over ${limit} bytes`);
    return body.bytes;
  };

  const load = async (): Promise<RevocationInForce> => {
    const bciJson = parseJsonBytes(await get('bci', MAX_BCI_BYTES), MAX_BCI_BYTES, 'BrandCRLIdentifier');
    const bci = v.parse(SignedBody, bciJson);
    const content = v.parse(
      BrandCrlIdentifierContent,
      parseJsonBytes(
        fromB64u(bci.content, 'BrandCRLIdentifier content'),
        MAX_BCI_BYTES,
        'BrandCRLIdentifier',
      ),
    );
    const crls: ParsedCrl[] = [];
    for (const file of files) crls.push(parseCrl(await get(`crl/${file}`, MAX_CRL_BYTES)));
    const info = { bci, crls };
    kept = { info, fetchedAt: now().getTime(), nextUpdate: Date.parse(content.nextUpdate) };
    return info;
  };

  return async () => {
    const at = now().getTime();
    if (kept && at - kept.fetchedAt < refreshMs && at < kept.nextUpdate) return kept.info;
    inFlight ??= load().finally(() => {
      inFlight = undefined;
    });
    try {
      return await inFlight;
    } catch (e) {
      if (kept && at < kept.nextUpdate) return kept.info;
      const why = e instanceof SetError || e instanceof Error ? e.message : String(e);
      return fail(
        'unspecifiedFailure',
        `could not fetch the CRLs in force from ${base.origin} (${why}): check that the CA's site is reachable`,
      );
    }
  };
}

/**
 * `setwallet merchant enrol`: enrols a shop with the sandbox's Merchant CA over SET
 * (Me-AqCInit → CertReq → CertRes, src/merchant/enrol.ts) for the shop's own origins, and writes
 * the bundle the merchant SDK reads (src/merchant/bundle.ts). A folder that already holds a bundle
 * is renewed with its current key, so the shop keeps its MerchantID.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EnrolmentRefused,
  enrolMerchant,
  MERCHANT_CONFIG_FILE,
  readMerchantBundle,
  writeMerchantBundle,
} from '../merchant/index.ts';
import {
  fingerprintText,
  isWebOrigin,
  type ParsedCertificate,
  parseCertificate,
  pemToDers,
  readText,
} from '../protocol/index.ts';
import { type Invocation, UsageError } from './commands.ts';

const DEFAULT_SANDBOX = 'http://127.0.0.1:8700';

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export async function runMerchantEnrol({ values }: Invocation): Promise<number> {
  const origins = Array.isArray(values.origin) ? values.origin : [];
  if (!origins.length) throw new UsageError('give at least one --origin');
  for (const origin of origins) {
    if (!isWebOrigin(origin))
      throw new UsageError(`"${origin}" is not a web origin such as https://shop.example`);
  }
  const name = text(values.name)?.trim();
  if (!name) throw new UsageError('give the shop’s --name');
  const out = text(values.out);
  if (!out) throw new UsageError('give the folder to write, --out DIR');
  const country = text(values.country) ?? 'US';
  if (!/^[A-Z]{2}$/.test(country)) throw new UsageError('--country is a two-letter code such as GB');
  const category = text(values.category) ?? '5999';
  if (!/^\d{4}$/.test(category)) throw new UsageError('--category is a four-digit merchant category code');
  let sandbox: URL;
  try {
    sandbox = new URL(text(values.sandbox) ?? DEFAULT_SANDBOX);
  } catch {
    throw new UsageError(`--sandbox "${text(values.sandbox)}" is not a URL`);
  }
  const base = sandbox.href.replace(/\/$/, '');
  const brandId = text(values.brand) ?? 'SETPay';
  const rootFile = text(values.root);

  const root = rootFile ? readRoot(rootFile) : await fetchRoot(`${base}/pki/root.pem`);
  console.log(
    `› trusting root "${root.subject.commonName}", SHA-256 fingerprint ${fingerprintText(root.thumbprint)}`,
  );
  const mca = `${base}/set/mca`;
  const renewing = existsSync(join(out, MERCHANT_CONFIG_FILE))
    ? readMerchantBundle(out).keys.signature
    : undefined;
  try {
    const enrolled = await enrolMerchant({
      mca,
      root,
      brandId,
      merchant: { name, city: text(values.city) ?? 'Sandbox', country, categoryCode: category },
      origins,
      ...(renewing ? { renewing } : {}),
    });
    const written = writeMerchantBundle(out, enrolled, { root, brandId, mca });
    console.log(
      `› ${renewing ? 'renewed' : 'enrolled'} "${name}" as MerchantID ${enrolled.merchantId}, bound to ${origins.join(', ')}`,
    );
    for (const path of written) console.log(`  wrote ${path}`);
    return 0;
  } catch (e) {
    if (e instanceof EnrolmentRefused) {
      console.error(`setwallet merchant enrol: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** A root certificate's PEM, at most. */
const MAX_ROOT_BYTES = 64 * 1024;

function readRoot(path: string): ParsedCertificate {
  const root = pemToDers(readFileSync(path, 'utf8')).map(parseCertificate)[0];
  if (!root) throw new Error(`${path} holds no certificate`);
  return root;
}

async function fetchRoot(url: string): Promise<ParsedCertificate> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(
      `cannot reach ${url} (is the sandbox running?): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const text = await readText(res, MAX_ROOT_BYTES).catch(() => '');
  const root = res.ok ? pemToDers(text).map(parseCertificate)[0] : undefined;
  if (!root) throw new Error(`${url} answered HTTP ${res.status} without a root certificate`);
  return root;
}

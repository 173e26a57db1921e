/**
 * A merchant's enrolment on disk (what `setwallet merchant enrol --out DIR` writes and a shop's
 * server reads): the keys as PKCS#8 PEM (mode 0600, in a 0700 folder), the certificate chains
 * (leaf first, up to but not including the root), the brand's root, and merchant.json naming them
 * with the MerchantID the MCA assigned. The layout is src/protocol's merchantBundleFiles. Each
 * file is written to a temporary name and renamed, and merchant.json last, so a folder is never
 * left naming files that are half written.
 *
 * readMerchantBundle reads that folder, or the same files as one JSON file (the download of the
 * issuer site's Merchants page, { "format": "set-merchant-bundle/1", "files": {…} }):
 *
 *   const { merchantId, keys, root } = readMerchantBundle('./set-merchant');
 *   const same = readMerchantBundle('./set-merchant-M048213377195520.json');
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import {
  MAX_BUNDLE_FILE_CHARS,
  MERCHANT_CONFIG_FILE,
  MerchantBundleJson,
  MerchantConfig,
  merchantBundleFiles,
  type ParsedCertificate,
  parseCertificate,
  pemToDers,
  privateKeyFromPem,
} from '../protocol/index.ts';
import type { MerchantEnrolled } from './enrol.ts';
import type { CertifiedKey, MerchantKeys } from './keys.ts';

export { MERCHANT_CONFIG_FILE, MerchantConfig } from '../protocol/index.ts';

export interface MerchantBundle {
  config: MerchantConfig;
  merchantId: string;
  keys: MerchantKeys;
  root: ParsedCertificate;
}

function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode); // the mode applies only on creation
  renameSync(tmp, path);
}

/** Writes `enrolled` into `dir`; returns the paths written, merchant.json last. */
export function writeMerchantBundle(
  dir: string,
  enrolled: MerchantEnrolled,
  p: { root: ParsedCertificate; brandId: string; mca: string; now?: Date },
): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = merchantBundleFiles({
    merchantId: enrolled.merchantId,
    signature: enrolled.signature,
    keyExchange: enrolled.keyExchange,
    root: p.root,
    brandId: p.brandId,
    mca: p.mca,
    enrolledAt: p.now ?? new Date(),
  });
  return files.map((f) => {
    writeAtomically(join(dir, f.name), f.text, f.secret ? 0o600 : 0o644);
    return join(dir, f.name);
  });
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Reads a folder written by writeMerchantBundle, or a single-file bundle (.json); throws a
 * message naming the file at fault.
 */
export function readMerchantBundle(path: string): MerchantBundle {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch (e) {
    throw new Error(`cannot read ${path}: ${message(e)}`);
  }
  if (isFile) {
    let json: MerchantBundleJson;
    try {
      const text = readFileSync(path, 'utf8');
      if (text.length > 9 * MAX_BUNDLE_FILE_CHARS) throw new Error('it is too large');
      json = v.parse(MerchantBundleJson, JSON.parse(text));
    } catch (e) {
      throw new Error(`${path} is not a merchant bundle: ${message(e)}`);
    }
    return readBundleFiles(`${path}: `, (name) => {
      const text = Object.hasOwn(json.files, name) ? json.files[name] : undefined;
      if (text === undefined) throw new Error(`${path} holds no ${name}`);
      return text;
    });
  }
  return readBundleFiles(path.endsWith('/') ? path : `${path}/`, (name) => {
    try {
      return readFileSync(join(path, name), 'utf8');
    } catch (e) {
      throw new Error(`cannot read ${join(path, name)}: ${message(e)}`);
    }
  });
}

function readBundleFiles(where: string, read: (name: string) => string): MerchantBundle {
  let config: MerchantConfig;
  try {
    const text = read(MERCHANT_CONFIG_FILE);
    if (text.length > MAX_BUNDLE_FILE_CHARS) throw new Error('it is larger than 16 KiB');
    config = v.parse(MerchantConfig, JSON.parse(text));
  } catch (e) {
    throw new Error(`${where}${MERCHANT_CONFIG_FILE} is not a merchant configuration: ${message(e)}`);
  }
  const certified = (files: { certificate: string; privateKey: string }): CertifiedKey => {
    try {
      const chain = pemToDers(read(files.certificate)).map(parseCertificate);
      if (!chain[0]) throw new Error('no CERTIFICATE in it');
      return { certificate: chain[0], privateKey: privateKeyFromPem(read(files.privateKey)), chain };
    } catch (e) {
      throw new Error(`cannot read ${where}${files.certificate}: ${message(e)}`);
    }
  };
  const keys = { signature: certified(config.signature), keyExchange: certified(config.keyExchange) };
  const root = pemToDers(read(config.root)).map(parseCertificate)[0];
  if (!root) throw new Error(`${where}${config.root} holds no certificate`);
  if (keys.signature.certificate.merchantData?.merchantId !== config.merchantId) {
    throw new Error(
      `${where}${MERCHANT_CONFIG_FILE} names ${config.merchantId}, but the certificate another MerchantID`,
    );
  }
  return { config, merchantId: config.merchantId, keys, root };
}

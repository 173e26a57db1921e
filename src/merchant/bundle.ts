/**
 * A merchant's enrolment on disk (what `setwallet merchant enrol --out DIR` writes and a shop's
 * server reads): the keys as PKCS#8 PEM (mode 0600, in a 0700 folder), the certificate chains
 * (leaf first, up to but not including the root), the brand's root, and merchant.json naming them
 * with the MerchantID the MCA assigned. Each file is written to a temporary name and renamed, and
 * merchant.json last, so a folder is never left naming files that are half written.
 *
 *   const { merchantId, keys, root } = readMerchantBundle('./set-merchant');
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import {
  certificateToPem,
  type ParsedCertificate,
  parseCertificate,
  pemToDers,
  privateKeyFromPem,
  privateKeyToPem,
} from '../protocol/index.ts';
import type { MerchantEnrolled } from './enrol.ts';
import type { CertifiedKey, MerchantKeys } from './keys.ts';

export const MERCHANT_CONFIG_FILE = 'merchant.json';

const FileName = v.pipe(v.string(), v.regex(/^[\w.-]{1,64}$/, 'a file name in the same folder'));
const KeyFiles = v.strictObject({ certificate: FileName, privateKey: FileName });

export const MerchantConfig = v.strictObject({
  version: v.literal(1),
  merchantId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  origins: v.pipe(v.array(v.pipe(v.string(), v.maxLength(256))), v.minLength(1), v.maxLength(8)),
  brandId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  /** The MCA's SET endpoint it enrolled at (renewals go there). */
  mca: v.pipe(v.string(), v.maxLength(512)),
  signature: KeyFiles,
  keyExchange: KeyFiles,
  root: FileName,
  enrolledAt: v.pipe(v.string(), v.isoTimestamp()),
});
export type MerchantConfig = v.InferOutput<typeof MerchantConfig>;

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
  const written: string[] = [];
  const write = (name: string, text: string, mode = 0o644) => {
    writeAtomically(join(dir, name), text, mode);
    written.push(join(dir, name));
  };
  const pair = (prefix: string, key: CertifiedKey) => {
    write(`${prefix}.key`, privateKeyToPem(key.privateKey, key.certificate.publicKey), 0o600);
    write(`${prefix}.pem`, key.chain.map((c) => certificateToPem(c.der)).join(''));
    return { certificate: `${prefix}.pem`, privateKey: `${prefix}.key` };
  };
  const signature = pair('merchant-sig', enrolled.signature);
  const keyExchange = pair('merchant-kx', enrolled.keyExchange);
  write('root.pem', certificateToPem(p.root.der));
  const merchantData = enrolled.signature.certificate.merchantData!;
  const config: MerchantConfig = {
    version: 1,
    merchantId: enrolled.merchantId,
    name: merchantData.name,
    origins: enrolled.signature.certificate.origins,
    brandId: p.brandId,
    mca: p.mca,
    signature,
    keyExchange,
    root: 'root.pem',
    enrolledAt: (p.now ?? new Date()).toISOString(),
  };
  write(MERCHANT_CONFIG_FILE, `${JSON.stringify(config, null, 2)}\n`);
  return written;
}

/** Reads a folder written by writeMerchantBundle; throws a message naming the file at fault. */
export function readMerchantBundle(dir: string): MerchantBundle {
  const configPath = join(dir, MERCHANT_CONFIG_FILE);
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch (e) {
      throw new Error(`cannot read ${join(dir, name)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  let config: MerchantConfig;
  try {
    const text = read(MERCHANT_CONFIG_FILE);
    if (text.length > 16 * 1024) throw new Error('it is larger than 16 KiB');
    config = v.parse(MerchantConfig, JSON.parse(text));
  } catch (e) {
    throw new Error(
      `${configPath} is not a merchant configuration: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const certified = (files: { certificate: string; privateKey: string }): CertifiedKey => {
    try {
      const chain = pemToDers(read(files.certificate)).map(parseCertificate);
      if (!chain[0]) throw new Error('no CERTIFICATE in it');
      return { certificate: chain[0], privateKey: privateKeyFromPem(read(files.privateKey)), chain };
    } catch (e) {
      throw new Error(
        `cannot read ${join(dir, files.certificate)}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  };
  const keys = { signature: certified(config.signature), keyExchange: certified(config.keyExchange) };
  const root = pemToDers(read(config.root)).map(parseCertificate)[0];
  if (!root) throw new Error(`${join(dir, config.root)} holds no certificate`);
  if (keys.signature.certificate.merchantData?.merchantId !== config.merchantId) {
    throw new Error(`${configPath} names ${config.merchantId}, but the certificate another MerchantID`);
  }
  return { config, merchantId: config.merchantId, keys, root };
}

/**
 * The layout of a merchant's enrolment bundle (what `setwallet merchant enrol --out DIR` writes,
 * what the issuer site's Merchants page offers as one JSON file, and what the merchant SDK's
 * readMerchantBundle reads): the keys as PKCS#8 PEM, the certificate chains (leaf first, up to
 * but not including the root), the brand's root, and merchant.json naming them with the
 * MerchantID the MCA assigned. Pure: the writers (src/merchant on disk, src/ca as a download)
 * choose where the text goes.
 *
 * The single-file form, a JSON object { format: 'set-merchant-bundle/1', files: { name: text } },
 * carries exactly the files of the folder, so either is read the same way.
 */
import * as v from 'valibot';
import type { ParsedCertificate } from './pki/index.ts';
import { certificateToPem, privateKeyToPem } from './pki/index.ts';

export const MERCHANT_CONFIG_FILE = 'merchant.json';
export const MERCHANT_BUNDLE_FORMAT = 'set-merchant-bundle/1';
/** merchant.json and every file in a bundle are at most this long (a chain of three PEMs is ~3 KiB). */
export const MAX_BUNDLE_FILE_CHARS = 16 * 1024;

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

/** The single-file form of a bundle (at most 8 files). */
export const MerchantBundleJson = v.strictObject({
  format: v.literal(MERCHANT_BUNDLE_FORMAT),
  files: v.pipe(
    v.record(FileName, v.pipe(v.string(), v.maxLength(MAX_BUNDLE_FILE_CHARS))),
    v.check((files) => Object.keys(files).length <= 8, 'at most 8 files'),
  ),
});
export type MerchantBundleJson = v.InferOutput<typeof MerchantBundleJson>;

export interface BundleKey {
  privateKey: Uint8Array;
  certificate: ParsedCertificate;
  /** Leaf first; a root in it is left out of the written chain. */
  chain: ParsedCertificate[];
}

export interface BundleFile {
  name: string;
  text: string;
  /** A private key: the writer keeps it from other users (mode 0600). */
  secret: boolean;
}

/** The files of a bundle, merchant.json last (a writer that writes in order never names a missing file). */
export function merchantBundleFiles(p: {
  merchantId: string;
  signature: BundleKey;
  keyExchange: BundleKey;
  root: ParsedCertificate;
  brandId: string;
  mca: string;
  enrolledAt: Date;
}): BundleFile[] {
  const files: BundleFile[] = [];
  const pair = (prefix: string, key: BundleKey) => {
    files.push({
      name: `${prefix}.key`,
      text: privateKeyToPem(key.privateKey, key.certificate.publicKey),
      secret: true,
    });
    const chain = key.chain.filter((c) => c.certificateType !== 'root');
    files.push({
      name: `${prefix}.pem`,
      text: chain.map((c) => certificateToPem(c.der)).join(''),
      secret: false,
    });
    return { certificate: `${prefix}.pem`, privateKey: `${prefix}.key` };
  };
  const signature = pair('merchant-sig', p.signature);
  const keyExchange = pair('merchant-kx', p.keyExchange);
  files.push({ name: 'root.pem', text: certificateToPem(p.root.der), secret: false });
  const merchantData = p.signature.certificate.merchantData;
  if (!merchantData) throw new Error('the signature certificate is not a merchant certificate');
  const config: MerchantConfig = {
    version: 1,
    merchantId: p.merchantId,
    name: merchantData.name,
    origins: p.signature.certificate.origins,
    brandId: p.brandId,
    mca: p.mca,
    signature,
    keyExchange,
    root: 'root.pem',
    enrolledAt: p.enrolledAt.toISOString(),
  };
  files.push({ name: MERCHANT_CONFIG_FILE, text: `${JSON.stringify(config, null, 2)}\n`, secret: false });
  return files;
}

/** The single-file form of `files`, as text. */
export function merchantBundleJson(files: BundleFile[]): string {
  const json: MerchantBundleJson = {
    format: MERCHANT_BUNDLE_FORMAT,
    files: Object.fromEntries(files.map((f) => [f.name, f.text])),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

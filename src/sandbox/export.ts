/** The certificates of a sandbox data folder, named as `setwallet pki init` names them. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasEntry, type KeyedCertificate, readEntry } from './pki-files.ts';
import { PKI_DIR } from './sandbox.ts';

const LAYOUT: [folder: string, name: string][] = [
  [PKI_DIR, 'root'],
  [PKI_DIR, 'brand-ca'],
  [PKI_DIR, 'cca'],
  [PKI_DIR, 'mca'],
  [PKI_DIR, 'pca'],
  [PKI_DIR, 'cca-kx'],
  [PKI_DIR, 'mca-kx'],
  [PKI_DIR, 'pca-kx'],
  ['gateway', 'gateway-sig'],
  ['gateway', 'gateway-kx'],
  ['merchant', 'merchant-sig'],
  ['merchant', 'merchant-kx'],
];

/** Every entry, or a sentence saying why the folder is not a started sandbox. */
export function sandboxEntries(dataDir: string): (KeyedCertificate & { name: string })[] | string {
  if (!existsSync(join(dataDir, PKI_DIR, 'root.pem'))) {
    return `${dataDir}/ holds no sandbox; start one with setwallet sandbox --data ${dataDir}`;
  }
  const missing = LAYOUT.filter(([folder, name]) => !hasEntry(join(dataDir, folder), name));
  if (missing.length) {
    return `${dataDir}/ lacks ${missing.map(([, n]) => n).join(', ')}: start the sandbox once so the gateway and merchant enrol`;
  }
  return LAYOUT.map(([folder, name]) => ({ name, ...readEntry(join(dataDir, folder), name) }));
}

/**
 * The on-disk layout of a SET/2 hierarchy, shared by `setwallet pki init`, the sandbox's data
 * folder and `setwallet pki export`: root.pem; NAME.pem = the certificate, then its issuers up to
 * (not including) the root; NAME.key = its PKCS#8 private key, mode 0600, in a 0700 folder.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  certificateToPem,
  type ParsedCertificate,
  parseCertificate,
  pemToDers,
  privateKeyFromPem,
  privateKeyToPem,
} from '../protocol/index.ts';

export interface KeyedCertificate {
  certificate: ParsedCertificate;
  privateKey: Uint8Array;
  /** The certificate first, then its issuers up to (not including) the root. */
  chain: ParsedCertificate[];
}

export function writeEntry(dir: string, name: string, entry: KeyedCertificate): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyPath = join(dir, `${name}.key`);
  writeFileSync(keyPath, privateKeyToPem(entry.privateKey, entry.certificate.publicKey), { mode: 0o600 });
  chmodSync(keyPath, 0o600); // the mode applies only on creation; an older file keeps its own
  const chain = entry.chain.length ? entry.chain : [entry.certificate];
  writeFileSync(join(dir, `${name}.pem`), chain.map((c) => certificateToPem(c.der)).join(''));
}

/** Writes every entry, the root last: its presence marks the folder as complete. */
export function writeHierarchy(dir: string, entries: readonly (KeyedCertificate & { name: string })[]): void {
  const rootLast = [...entries.filter((e) => e.name !== 'root'), ...entries.filter((e) => e.name === 'root')];
  for (const e of rootLast) writeEntry(dir, e.name, e);
}

export function hasEntry(dir: string, name: string): boolean {
  return existsSync(join(dir, `${name}.pem`)) && existsSync(join(dir, `${name}.key`));
}

/** Reads NAME.pem and NAME.key back; throws a message naming the file when one is missing or broken. */
export function readEntry(dir: string, name: string): KeyedCertificate {
  const pemPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  try {
    const chain = pemToDers(readFileSync(pemPath, 'utf8')).map(parseCertificate);
    const privateKey = privateKeyFromPem(readFileSync(keyPath, 'utf8'));
    return { certificate: chain[0]!, privateKey, chain };
  } catch (e) {
    throw new Error(`cannot read ${pemPath} and ${keyPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function readRoot(dir: string): ParsedCertificate {
  return pemToDers(readFileSync(join(dir, 'root.pem'), 'utf8')).map(parseCertificate)[0]!;
}

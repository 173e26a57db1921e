/**
 * `setwallet pki init DIR`: writes the sandbox certificate hierarchy (SET-PROFILE §1) as PEM files
 * that OpenSSL, the sandbox servers and the wallet's developer settings all read.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hex } from '../protocol/encoding.ts';
import { buildSandboxHierarchy, isWebOrigin } from '../protocol/pki/index.ts';
import { sandboxEntries } from '../sandbox/export.ts';
import { writeHierarchy } from '../sandbox/pki-files.ts';

const DEFAULT_MERCHANT_ORIGIN = 'http://127.0.0.1:8702';

const USAGE = `usage: setwallet pki init DIR [--merchant-origin ORIGIN]
       setwallet pki export DIR [--data SANDBOX_DATA]

Creates a sandbox SET/2 hierarchy in DIR: root.pem, NAME.pem (the certificate, then its issuers up
to but not including the root) and NAME.key (PKCS#8, mode 0600) for root, brand-ca, cca, mca, pca, cca-kx, mca-kx, pca-kx,
gateway-sig, gateway-kx, merchant-sig and merchant-kx.

  --merchant-origin ORIGIN   web origin bound into merchant-sig (default ${DEFAULT_MERCHANT_ORIGIN})`;

interface InitArgs {
  dir: string;
  merchantOrigin: string;
}

export async function runPki(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === '-h' || command === '--help' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'export') return exportSandbox(rest);
  if (command !== 'init')
    return usageError(command === undefined ? 'missing subcommand' : `unknown subcommand "${command}"`);
  const parsed = parseInitArgs(rest);
  if (typeof parsed === 'string') return usageError(parsed);
  const originError = checkOrigin(parsed.merchantOrigin);
  if (originError) {
    console.error(`setwallet pki: ${originError}`);
    return 2;
  }
  return init(parsed);
}

/**
 * `pki export DIR [--data DATA]`: the sandbox's hierarchy (its CAs, and the gateway and merchant
 * it enrolled over SET) in pki init's layout, so openssl and other tools can use it.
 */
function exportSandbox(args: string[]): number {
  let dir: string | undefined;
  let data = '.sandbox';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--data') {
      const value = args[++i];
      if (value === undefined) return usageError('--data needs a value');
      data = value;
    } else if (a.startsWith('-')) return usageError(`unknown option "${a}"`);
    else if (dir === undefined) dir = a;
    else return usageError(`unexpected argument "${a}"`);
  }
  if (dir === undefined) return usageError('missing DIR');
  const sources = sandboxEntries(data);
  if (typeof sources === 'string') {
    console.error(`setwallet pki export: ${sources}`);
    return 1;
  }
  if (existsSync(join(dir, 'root.pem'))) {
    console.error(
      `setwallet pki export: ${join(dir, 'root.pem')} already exists; choose an empty directory.`,
    );
    return 1;
  }
  writeHierarchy(dir, sources);
  for (const { name, certificate } of sources) {
    console.log(`${name.padEnd(13)} ${hex(certificate.thumbprint)}`);
  }
  return 0;
}

function init({ dir, merchantOrigin }: InitArgs): number {
  const rootPath = join(dir, 'root.pem');
  if (existsSync(rootPath)) {
    console.error(
      `setwallet pki: ${rootPath} already exists; refusing to replace a root. Choose an empty directory.`,
    );
    return 1;
  }
  const { entries } = buildSandboxHierarchy({ merchantOrigin, now: new Date() });
  const byName = new Map(entries.map((e) => [e.name, e]));
  writeHierarchy(
    dir,
    entries.map((e) => ({
      ...e,
      chain: [e.certificate, ...e.issuerNames.map((n) => byName.get(n)!.certificate)],
    })),
  );
  for (const { name, certificate } of entries) {
    const type = certificate.isCA
      ? certificate.certificateType
      : `${certificate.certificateType}/${certificate.keyRole}`;
    console.log(`${name.padEnd(13)} ${type.padEnd(22)} ${hex(certificate.thumbprint)}`);
  }
  return 0;
}

function parseInitArgs(args: string[]): InitArgs | string {
  let dir: string | undefined;
  let merchantOrigin = DEFAULT_MERCHANT_ORIGIN;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--merchant-origin') {
      const value = args[++i];
      if (value === undefined) return '--merchant-origin needs a value';
      merchantOrigin = value;
    } else if (arg.startsWith('--merchant-origin=')) {
      merchantOrigin = arg.slice('--merchant-origin='.length);
    } else if (arg.startsWith('-')) {
      return `unknown option "${arg}"`;
    } else if (dir === undefined) {
      dir = arg;
    } else {
      return `unexpected argument "${arg}"`;
    }
  }
  return dir === undefined ? 'missing DIR' : { dir, merchantOrigin };
}

/** The origin must be what a browser reports as `location.origin`, or origin binding never matches. */
function checkOrigin(origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `--merchant-origin "${origin}" is not a URL; give an origin such as https://shop.example`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `--merchant-origin must use http or https, not ${url.protocol.slice(0, -1)}`;
  }
  if (url.origin !== origin || !isWebOrigin(origin)) {
    return `--merchant-origin must be a bare origin (scheme, host and optional port, no path or trailing slash), e.g. ${url.origin}`;
  }
  return undefined;
}

function usageError(message: string): number {
  console.error(`setwallet pki: ${message}\n${USAGE}`);
  return 2;
}

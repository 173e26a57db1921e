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
import { type Invocation, UsageError } from './commands.ts';

const DEFAULT_MERCHANT_ORIGIN = 'http://127.0.0.1:8702';

/** `pki init DIR [--merchant-origin ORIGIN]`: a new hierarchy, never over an existing root. */
export async function runPkiInit({ values, positionals: [dir] }: Invocation): Promise<number> {
  const merchantOrigin = (values['merchant-origin'] as string | undefined) ?? DEFAULT_MERCHANT_ORIGIN;
  const originError = checkOrigin(merchantOrigin);
  if (originError) throw new UsageError(originError);
  return init({ dir: dir!, merchantOrigin });
}

/**
 * `pki export DIR [--data DATA]`: the sandbox's hierarchy (its CAs, and the gateway and merchant
 * it enrolled over SET) in pki init's layout, so openssl and other tools can use it.
 */
export async function runPkiExport({ values, positionals: [dir] }: Invocation): Promise<number> {
  const data = (values.data as string | undefined) ?? '.sandbox';
  const sources = sandboxEntries(data);
  if (typeof sources === 'string') {
    console.error(`setwallet pki export: ${sources}`);
    return 1;
  }
  if (existsSync(join(dir!, 'root.pem'))) {
    console.error(
      `setwallet pki export: ${join(dir!, 'root.pem')} already exists; choose an empty directory.`,
    );
    return 1;
  }
  writeHierarchy(dir!, sources);
  for (const { name, certificate } of sources) {
    console.log(`${name.padEnd(13)} ${hex(certificate.thumbprint)}`);
  }
  return 0;
}

function init({ dir, merchantOrigin }: { dir: string; merchantOrigin: string }): number {
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

// `setwallet merchant enrol` and enrolMerchant against a started sandbox (free ports), over SET and
// HTTP: the folder holds keys (0600), chains that `openssl verify -x509_strict` accepts and that
// name the shop's origin, and merchant.json with the MerchantID the MCA assigned; a second run
// renews and keeps the ID; another shop cannot take the name; bad arguments are refused.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MERCHANT_ID_PATTERN } from '../../src/ca/index.ts';
import { EnrolmentRefused, enrolMerchant, readMerchantBundle } from '../../src/merchant/index.ts';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.ts';
import { pgliteTemplate } from '../support/databases.ts';

const CLI = join(import.meta.dirname, '../../bin/setwallet.js');
// The sandbox serves from this process: the command must not block the event loop.
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'set-merchant-enrol-'));
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    dataDir: join(dir, 'sandbox'),
    databaseTemplate: await pgliteTemplate(),
    log: () => {},
  });
}, 120_000);
afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function setwallet(...args: string[]) {
  return run('node', [CLI, ...args], { encoding: 'utf8' }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

function opensslVerify(out: string, name: string): string {
  const pem = join(out, `${name}.pem`);
  return execFileSync(
    'openssl',
    ['verify', '-x509_strict', '-ignore_critical', '-CAfile', join(out, 'root.pem'), '-untrusted', pem, pem],
    { encoding: 'utf8' },
  );
}

describe('setwallet merchant enrol', () => {
  const out = join(dir, 'shop');
  const origin = 'http://127.0.0.1:4242';

  it('writes keys, chains openssl accepts for the shop’s origin, and the assigned MerchantID', async () => {
    const r = await setwallet(
      'merchant',
      'enrol',
      '--origin',
      origin,
      '--origin',
      'https://shop.example',
      '--name',
      'Bundle Bikes',
      '--sandbox',
      sandbox.urls.issuer,
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'merchant.json'), 'utf8')) as {
      merchantId: string;
      origins: string[];
    };
    expect(config.merchantId).toMatch(MERCHANT_ID_PATTERN);
    expect(config.origins).toEqual([origin, 'https://shop.example']);
    expect(r.stdout).toContain(`MerchantID ${config.merchantId}`);
    for (const key of ['merchant-sig.key', 'merchant-kx.key']) {
      expect(statSync(join(out, key)).mode & 0o777).toBe(0o600);
    }
    for (const name of ['merchant-sig', 'merchant-kx']) {
      expect(opensslVerify(out, name)).toBe(`${join(out, `${name}.pem`)}: OK\n`);
    }
    const text = execFileSync('openssl', ['x509', '-in', join(out, 'merchant-sig.pem'), '-noout', '-text'], {
      encoding: 'utf8',
    });
    expect(text).toContain(`URI:${origin}`);
    expect(text).toContain('Bundle Bikes');

    // The SDK reads the folder back: keys, chains and the MerchantID agree.
    const bundle = readMerchantBundle(out);
    expect(bundle.merchantId).toBe(config.merchantId);
    expect(bundle.keys.signature.certificate.origins).toEqual(config.origins);
    expect(bundle.keys.keyExchange.certificate.keyRole).toBe('key-exchange');
    expect(bundle.root.thumbprint).toEqual(sandbox.root.thumbprint);
  });

  it('run again for another origin, it renews with the current key and keeps the MerchantID', async () => {
    const before = readMerchantBundle(out);
    const r = await setwallet(
      'merchant',
      'enrol',
      '--origin',
      'http://127.0.0.1:5353',
      '--name',
      'Bundle Bikes',
      '--sandbox',
      sandbox.urls.issuer,
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('renewed');
    const after = readMerchantBundle(out);
    expect(after.merchantId).toBe(before.merchantId);
    expect(after.keys.signature.certificate.origins).toEqual(['http://127.0.0.1:5353']);
    expect(opensslVerify(out, 'merchant-sig')).toContain(': OK');
  });

  it('another shop cannot take the name, through the CLI or enrolMerchant', async () => {
    const r = await setwallet(
      'merchant',
      'enrol',
      '--origin',
      'http://127.0.0.1:6000',
      '--name',
      'bundle  BIKES',
      '--sandbox',
      sandbox.urls.issuer,
      '--out',
      join(dir, 'impostor'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Another merchant is enrolled under the name/);
    const refused = await enrolMerchant({
      mca: `${sandbox.urls.issuer}/set/mca`,
      root: sandbox.root,
      brandId: 'SETPay',
      merchant: { name: 'Bundle Bikes', city: 'Leeds', country: 'GB', categoryCode: '5940' },
      origins: ['http://127.0.0.1:6001'],
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EnrolmentRefused);
  });

  it('refuses bad arguments with a sentence and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--name', 'X', '--out', out], /--origin/],
      [['--origin', 'ftp://x', '--name', 'X', '--out', out], /not a web origin/],
      [['--origin', origin, '--out', out], /--name/],
      [['--origin', origin, '--name', 'X'], /--out/],
      [['--origin', origin, '--name', 'X', '--out', out, '--bogus'], /bogus/],
      [['--origin', origin, '--name', 'X', '--out', out, '--country', 'gb'], /two-letter/],
    ];
    const results = await Promise.all(cases.map(([args]) => setwallet('merchant', 'enrol', ...args)));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(' ')).toBe(2);
      expect(r.stderr).toMatch(cases[i]![1]);
    });
  }, 180_000);
});

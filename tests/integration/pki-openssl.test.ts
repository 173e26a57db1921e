/**
 * `setwallet pki init` checked by OpenSSL, an implementation that is not ours: every certificate
 * verifies under -x509_strict, the SET extensions are recognised by name, thumbprints equal
 * OpenSSL's SHA-256 fingerprints, keys load, and a CCA-issued CRL verifies.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintText, hex } from '../../src/protocol/encoding.ts';
import {
  certificateToPem,
  crlToPem,
  issueCrl,
  parseCertificate,
  pemToDers,
  privateKeyFromPem,
} from '../../src/protocol/pki/index.ts';

const NAMES = [
  'root',
  'brand-ca',
  'cca',
  'mca',
  'pca',
  'cca-kx',
  'mca-kx',
  'pca-kx',
  'gateway-sig',
  'gateway-kx',
  'merchant-sig',
  'merchant-kx',
] as const;
const ORIGIN = 'https://shop.example:8443';
const CLI = join(import.meta.dirname, '../../bin/setwallet.js');

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function setwallet(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.skipIf(!hasOpenssl)('pki init, checked with OpenSSL', () => {
  let tmp: string;
  let dir: string;
  const file = (name: string) => join(dir, name);

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'setwallet-pki-'));
    dir = join(tmp, 'pki');
    const run = setwallet('pki', 'init', dir, '--merchant-origin', ORIGIN);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual([...NAMES]);
    for (const line of lines) expect(line).toMatch(/ [0-9a-f]{64}$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // NAME.pem is the certificate followed by its issuers; openssl verify wants them apart.
    for (const name of NAMES) {
      const [leaf, ...issuers] = pemToDers(readFileSync(file(`${name}.pem`), 'utf8'));
      writeFileSync(file(`${name}.leaf.pem`), certificateToPem(leaf!));
      if (issuers.length > 0)
        writeFileSync(file(`${name}.issuers.pem`), issuers.map(certificateToPem).join(''));
    }
  });

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it.each(NAMES)('%s verifies with openssl verify -x509_strict', (name) => {
    const args = ['verify', '-x509_strict', '-ignore_critical', '-CAfile', file('root.pem')];
    if (name !== 'root' && name !== 'brand-ca') args.push('-untrusted', file(`${name}.issuers.pem`));
    expect(openssl(...args, file(`${name}.leaf.pem`))).toBe(`${file(`${name}.leaf.pem`)}: OK\n`);
  });

  it.each(NAMES)('%s: OpenSSL names the SET extensions and agrees on the thumbprint', (name) => {
    const text = openssl('x509', '-in', file(`${name}.leaf.pem`), '-text', '-noout');
    expect(text).toMatch(/setCext-certType: critical/);
    expect(text).toContain('Policy: set-policy-root');
    if (name === 'merchant-sig') {
      expect(text).toContain('setCext-merchData');
      expect(text).toContain('DEMO-0001');
      expect(text).toContain(`URI:${ORIGIN}`);
    }
    if (name.startsWith('gateway')) expect(text).toContain('setCext-cCertRequired');
    const fingerprint = openssl('x509', '-in', file(`${name}.leaf.pem`), '-fingerprint', '-sha256', '-noout');
    const cert = parseCertificate(pemToDers(readFileSync(file(`${name}.leaf.pem`), 'utf8'))[0]!);
    expect(fingerprint.trim().split('=')[1]!.replace(/:/g, '').toLowerCase()).toBe(hex(cert.thumbprint));
    // What the wallet, `npm start` and `setwallet sandbox` show a person is exactly openssl's form.
    expect(fingerprintText(cert.thumbprint)).toBe(fingerprint.trim().split('=')[1]);
  });

  it.each(NAMES)(
    '%s: setwallet inspect prints the thumbprint openssl computes and validates the chain',
    (name) => {
      const run = spawnSync('node', [CLI, 'inspect', file(`${name}.pem`), '--roots', file('root.pem')], {
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const printed = /^thumbprint: ([0-9a-f]{64})$/m.exec(run.stdout)?.[1];
      const fingerprint = openssl('x509', '-in', file(`${name}.pem`), '-fingerprint', '-sha256', '-noout');
      expect(printed).toBe(fingerprint.trim().split('=')[1]!.replace(/:/g, '').toLowerCase());
      expect(run.stdout).toMatch(/^chain: .*\(trusted root(, brand SETPay)?\)$/m);
    },
  );

  it.each(NAMES)('%s.key is a 0600 PKCS#8 key that openssl pkey reads', (name) => {
    expect(statSync(file(`${name}.key`)).mode & 0o777).toBe(0o600);
    openssl('pkey', '-in', file(`${name}.key`), '-noout');
  });

  it('a CRL issued by the CCA verifies with openssl crl', () => {
    const [cca] = pemToDers(readFileSync(file('cca.pem'), 'utf8'));
    const certificate = parseCertificate(cca!);
    const privateKey = privateKeyFromPem(readFileSync(file('cca.key'), 'utf8'));
    const now = new Date();
    const crl = issueCrl({
      issuer: { certificate, privateKey },
      crlNumber: 1,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 7 * 86_400_000),
      revoked: [{ serialNumber: '0123456789abcdef', revocationDate: now }],
    });
    writeFileSync(file('cca.crl.pem'), crlToPem(crl.der));
    const run = spawnSync(
      'openssl',
      ['crl', '-in', file('cca.crl.pem'), '-CAfile', file('cca.leaf.pem'), '-noout', '-text'],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).toContain('verify OK');
    expect(run.stdout).toContain('Serial Number: 0123456789ABCDEF');
  });

  it('refuses to overwrite an existing root', () => {
    const before = readFileSync(file('root.pem'), 'utf8');
    const run = setwallet('pki', 'init', dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/root\.pem already exists/);
    expect(readFileSync(file('root.pem'), 'utf8')).toBe(before);
  });
});

describe('pki command line errors', () => {
  it('rejects an origin with a path', () => {
    const run = setwallet(
      'pki',
      'init',
      join(tmpdir(), 'never-created'),
      '--merchant-origin',
      'https://shop.example/pay',
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/bare origin/);
  });

  it('prints usage and exits 2 on bad usage', () => {
    for (const args of [['pki'], ['pki', 'init'], ['pki', 'frobnicate'], ['pki', 'init', 'a', 'b']]) {
      const run = setwallet(...args);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('usage: setwallet pki init DIR');
    }
  });
});

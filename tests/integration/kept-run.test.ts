// The README's "Checking a run yourself", run literally: a kept run (the layout `setwallet demo
// --keep DIR` leaves, made here by the real parties over HTTP and a protocol-level wallet instead
// of a browser: tests/e2e/demo.test.ts keeps one from the browser), then every documented
// command, the openssl ones with the real openssl binary, in bash with `set -e`. Then what those
// commands would say of a forged run: a changed signed byte fails `openssl dgst`, a foreign root
// fails `openssl verify`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepProblem, keptRun } from '../../src/demo/kept-run.ts';
import { budget } from '../support/deadlines.ts';
import { type RealRun, realRun } from '../support/real-run.ts';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'set-kept-'));
const kept = keptRun(join(work, 'run'));
let real: RealRun;

/** The README's block of commands, as a person would paste it. */
function documentedCommands(): string {
  const block = /<!-- commands: checking a kept run -->\n```sh\n([\s\S]*?)\n```/.exec(README)?.[1];
  if (!block) throw new Error('the README has no "checking a kept run" block');
  return block;
}

beforeAll(async () => {
  expect(keepProblem(join(work, 'run'))).toBeUndefined();
  real = await realRun({ dataDir: kept.sandbox, transcriptDir: kept.transcript });
  await real.close();
}, budget(600_000));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the README's checks of a kept run", () => {
  it('a kept folder holds the sandbox with every key, and the transcript with its root', () => {
    expect(readdirSync(join(work, 'run')).sort()).toEqual(['sandbox', 'transcript']);
    for (const f of ['pki/root.pem', 'pki/cca.key', 'merchant/merchant-sig.key', 'gateway/gateway-kx.key'])
      expect(readdirSync(join(kept.sandbox, f, '..'))).toContain(f.split('/')[1]);
    expect(readdirSync(kept.transcript)).toContain('root.pem');
    expect(readdirSync(kept.transcript).filter((f) => f.endsWith('-PInitRes.json')).length).toBeGreaterThan(
      0,
    );
    // --keep refuses a folder that already holds something: a kept run is one run.
    expect(keepProblem(join(work, 'run'))).toMatch(/not empty/);
  });

  it(
    'every documented command succeeds, as written, with the real openssl',
    async () => {
      const lines = documentedCommands().split('\n');
      expect(lines[0]).toBe('npx setwallet demo --keep run'); // made above, without a browser
      const script = [
        'set -euo pipefail',
        `setwallet() { node ${JSON.stringify(join(REPO, 'bin/setwallet.js'))} "$@"; }`,
        ...lines.slice(1).map((l) => l.replaceAll('npx setwallet', 'setwallet')),
      ].join('\n');
      const { stdout, stderr } = await run('bash', ['-c', script], { cwd: work, timeout: budget(300_000) });
      const said = `${stdout}\n${stderr}`;
      // Seven chains (two certificates checked each), the PInitRes's chain, then two signatures.
      expect(said.match(/: OK$/gm)?.length).toBe(8);
      expect(said.match(/^Verified OK$/gm)?.length).toBe(2);
      expect(said.match(/^valid$/gm)?.length).toBe(3);
      expect(said).toContain('signature: valid, by SET Demo Store (merchant)');
      expect(said).toContain('dual signature: valid, by cardholder');
      const signed = readFileSync(join(work, 'run/pinitres/signed.bin'));
      expect(signed.subarray(0, 17).toString('latin1')).toBe('SET/2 SignedData\0');
    },
    budget(300_000),
  );

  it(
    'openssl refuses a changed signed byte and a foreign root',
    async () => {
      const dir = join(work, 'run/pinitres');
      const signed = readFileSync(join(dir, 'signed.bin'));
      const at = signed.length - 2;
      signed[at] = (signed[at] ?? 0) ^ 1;
      writeFileSync(join(dir, 'forged.bin'), signed);
      await expect(
        run('openssl', [
          'dgst',
          '-sha256',
          '-verify',
          join(dir, 'signer.pub'),
          '-signature',
          join(dir, 'signature.der'),
          join(dir, 'forged.bin'),
        ]),
      ).rejects.toMatchObject({ stdout: expect.stringContaining('Verification failure') });
      // The merchant's certificate does not chain to a root of another sandbox.
      const other = mkdtempSync(join(tmpdir(), 'set-kept-other-'));
      try {
        await run('node', [join(REPO, 'bin/setwallet.js'), 'pki', 'init', other]);
        await expect(
          run('openssl', [
            'verify',
            '-x509_strict',
            '-ignore_critical',
            '-CAfile',
            join(other, 'root.pem'),
            '-untrusted',
            join(dir, 'chain.pem'),
            join(dir, 'signer.pem'),
          ]),
        ).rejects.toMatchObject({ code: 2 });
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    },
    budget(120_000),
  );
});

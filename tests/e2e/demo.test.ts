// `setwallet demo` as a user runs it: the CLI in its own process, a real browser, the production
// build. Chromium with --transcript and --screenshots, Firefox with --keep, and a declining card that must
// fail naming its step. Each run exits with the right code, prints every SET step with its time,
// and leaves no process and no temporary folder behind; every transcript file passes inspect. A
// run holds the purchase, the rest of the order shipped later and a subscription's next payment a
// month later: four AuthReqs, the two merchant-initiated ones with the AuthToken and no PI (opened
// with the gateway's key the --keep folder holds).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { runCommandLine } from '../../src/cli/commands.ts';
import { REPO } from '../../src/demo/build.ts';
import { keptRun } from '../../src/demo/kept-run.ts';
import { SCREENSHOTS } from '../../src/demo/run.ts';
import { TRANSCRIPT_FILE } from '../../src/demo/transcript.ts';
import { parseCertificate, pemToDers, TrustStore, verifyAnyAuthReq } from '../../src/protocol/index.ts';
import { readEntry } from '../../src/sandbox/pki-files.ts';
import { NEXT_PAYMENT, PURCHASE, REGISTRATION, REST, SUBSCRIPTION } from '../support/demo-steps.ts';

const CLI = join(REPO, 'bin/setwallet.js');
// The registration, the purchase (PURCHASE), the rest of the order authorized with the AuthToken
// and captured, the subscription (the gateway's certificates already known) and its next payment
// (CaptureNow), as tests/support/demo-steps.ts lists them; the receipt's own refresh (InqReq →
// InqRes) may come in between when the shopper opens it.
/**
 * A whole demo, from the sandbox's first start (CAs, enrolments) to the subscription's next payment:
 * about two minutes on an idle machine, nearer four on a busy runner; a hang guard, not a target.
 */
const FULL_RUN_MS = 600_000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const scratch = mkdtempSync(join(tmpdir(), 'set-demo-test-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number | null;
  output: string;
  seconds: number;
}

/**
 * Runs `setwallet …` from the repository, stdout and stderr together. `onOutput` sees the output so
 * far each time more comes, with a way to send the process a signal.
 */
function setwallet(
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    onOutput?: (output: string, kill: (s: NodeJS.Signals) => void) => void;
  } = {},
): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    let output = '';
    const more = (d: Buffer) => {
      output += d;
      opts.onOutput?.(output, (signal) => child.kill(signal));
    };
    child.stdout.on('data', more);
    child.stderr.on('data', more);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, seconds: (Date.now() - started) / 1000 }));
  });
}

/** The demo's temporary folder, as it announced it: gone, and no process still using it. */
function expectNothingLeft(run: Run) {
  const temp = run.output.match(/temporary folder (\S+)/)?.[1];
  expect(temp, run.output).toBeTruthy();
  expect(existsSync(temp!), `${temp} is still there`).toBe(false);
  const processes = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(temp!));
  expect(processes, 'processes still running with the demo’s folder').toEqual([]);
}

/** The later steps, in the demo's words: the rest shipped, the subscription's next payment. */
function expectShipmentAndSubscription(run: Run) {
  expect(run.output).toContain('the merchant authorizes the rest with the AuthToken');
  expect(run.output).toMatch(/before Pay, the wallet shows the plan: €9\.99 every 30 days until /);
  expect(run.output).toMatch(/clock moves 30 days ahead/);
  expect(run.output).toContain('The next payment of the subscription is charged.');
  expect(run.output).toMatch(/4 AuthReqs \(2 with the cardholder's PI, 2 with an AuthToken\)/);
}

function expectSetSteps(run: Run) {
  for (const type of PURCHASE) {
    expect(run.output, run.output).toMatch(new RegExp(`\\[\\s*\\d+\\.\\d\\ds\\]\\s+${type}\\s`));
  }
}

/**
 * The transcript in `dir` from the cardholder's registration on, in order, every file passing
 * inspect against the root; four AuthReqs, the second and the fourth merchant-initiated (no PI).
 * With the kept sandbox folder, those are opened with the gateway's key: SubsequentAuthInd and the
 * AuthToken of the purchase they follow.
 */
async function expectTranscript(dir: string, root: string, sandbox?: string) {
  const files = readdirSync(dir).filter((f) => TRANSCRIPT_FILE.test(f));
  const types = files.map((f) => f.replace(/^\d+-|\.json$/g, ''));
  const from = types.lastIndexOf('CardCInitReq');
  const run = types.slice(from);
  // The receipt's refreshes, in pairs, set aside.
  const withoutRefresh: string[] = [];
  for (let i = 0; i < run.length; i++) {
    if (run[i] === 'InqReq') {
      expect(run[i + 1]).toBe('InqRes');
      i++;
    } else withoutRefresh.push(run[i]!);
  }
  expect(withoutRefresh).toEqual([...REGISTRATION, ...PURCHASE, ...REST, ...SUBSCRIPTION, ...NEXT_PAYMENT]);
  for (const file of files) {
    const { code, output } = await inspect([join(dir, file), '--roots', root]);
    expect(code, `${file}:\n${output}`).toBe(0);
  }
  const authReqs = files
    .filter((f) => f.endsWith('-AuthReq.json'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
  expect(authReqs).toHaveLength(4);
  const pi = authReqs.map(
    (a) => (JSON.parse(a) as { body: { baggage?: string } }).body.baggage !== undefined,
  );
  expect(pi).toEqual([true, false, true, false]);
  if (!sandbox) return;
  const gatewayKx = readEntry(join(sandbox, 'gateway'), 'gateway-kx');
  const trust = new TrustStore(pemToDers(readFileSync(root, 'utf8')).map(parseCertificate));
  const opened = [];
  for (const body of authReqs) {
    const date = new Date((JSON.parse(body) as { hdr: { date: string } }).hdr.date);
    opened.push(await verifyAnyAuthReq(body, gatewayKx, { trust, clock: { now: date } }));
  }
  const [first, rest, subscription, next] = opened;
  if (rest?.kind !== 'subsequent' || next?.kind !== 'subsequent') throw new Error('not merchant-initiated');
  expect(rest.content.subsequentAuthInd).toBe(true);
  expect(rest.token.xid).toBe(first!.content.transIds.xid);
  expect(next.content.subsequentAuthInd).toBe(true);
  expect(next.token.xid).toBe(subscription!.content.transIds.xid);
  expect(next.token.installRecurData?.kind).toBe('recurring');
}

async function inspect(args: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void lines.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void lines.push(a.join(' ')));
  try {
    return { code: await runCommandLine(['inspect', ...args]), output: lines.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('setwallet demo', () => {
  test(
    '--browser chromium --transcript DIR --screenshots DIR: exit 0, every transcript file passes inspect',
    async () => {
      const transcript = join(scratch, 'transcript');
      const screenshots = join(scratch, 'screenshots');
      const run = await setwallet([
        'demo',
        '--browser',
        'chromium',
        '--transcript',
        transcript,
        '--screenshots',
        screenshots,
      ]);
      console.log(`setwallet demo --browser chromium: exit ${run.code} in ${run.seconds.toFixed(1)} s`);
      expect(run.code, run.output).toBe(0);
      expectSetSteps(run);
      expect(run.output).toContain('the receipt verifies');
      expect(run.output).toMatch(/the gateway ledger: captured/);
      expectShipmentAndSubscription(run);
      expectNothingLeft(run);
      await expectTranscript(transcript, join(transcript, 'root.pem'));

      for (const png of Object.values(SCREENSHOTS)) {
        const bytes = readFileSync(join(screenshots, png));
        expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE), png).toBe(true);
        expect(bytes.length, png).toBeGreaterThan(10_000);
      }
    },
    FULL_RUN_MS,
  );

  test(
    '--browser firefox --keep DIR: exit 0, the sandbox (keys included) and the transcript kept',
    async () => {
      const keep = join(scratch, 'kept');
      const run = await setwallet(['demo', '--browser', 'firefox', '--keep', keep]);
      console.log(`setwallet demo --browser firefox: exit ${run.code} in ${run.seconds.toFixed(1)} s`);
      expect(run.code, run.output).toBe(0);
      expectSetSteps(run);
      expect(run.output).toContain('the receipt verifies');
      expectShipmentAndSubscription(run);
      expectNothingLeft(run);
      // The layout tests/integration/kept-run.test.ts checks the README's commands against.
      const kept = keptRun(keep);
      expect(readdirSync(keep).sort()).toEqual(['sandbox', 'transcript']);
      for (const f of ['pki/root.pem', 'pki/cca.key', 'merchant/merchant-sig.key', 'gateway/gateway-kx.key'])
        expect(existsSync(join(kept.sandbox, f)), f).toBe(true);
      // Every message, the merchant-initiated AuthReqs opened with the kept gateway key.
      await expectTranscript(kept.transcript, join(kept.sandbox, 'pki/root.pem'), kept.sandbox);
      // A folder that holds something is refused before anything starts.
      const again = await setwallet(['demo', '--keep', keep]);
      expect(again.code).toBe(2);
      expect(again.output).toContain('is not empty');
    },
    FULL_RUN_MS,
  );

  test('a declining card: exit 1, the failure names step 4 and the decline, nothing left running', async () => {
    const run = await setwallet(['demo', '--card', '4000 0000 0000 0002']);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(
      /✗ Step 4 failed \(Buy a mug and a book .*at the demo store.*\): the payment was declined \(doNotHonour\)/,
    );
    expect(run.output).toContain('No SET Error message was exchanged during this step.');
    expectNothingLeft(run);
  }, 300_000);

  test('Ctrl-C during a step: exit 130, the browser and the sandbox stopped, nothing left', async () => {
    let sent = false;
    const run = await setwallet(['demo', '--browser', 'chromium'], {
      onOutput: (output, kill) => {
        if (!sent && /\] 1 First run/.test(output)) {
          sent = true;
          kill('SIGINT');
        }
      },
    });
    expect(run.code, run.output).toBe(130);
    expect(run.output).toMatch(/✗ Interrupted during step 1 \(First run/);
    expect(run.output).toContain('Chromium and the sandbox stopped');
    expectNothingLeft(run);
  }, 300_000);

  test(
    'npm start without a display: the scripted demo, then how to load the wallet by hand',
    async () => {
      const { DISPLAY: _x, WAYLAND_DISPLAY: _w, ...env } = process.env;
      const run = await setwallet(['start'], { env });
      console.log(`setwallet start (no display): exit ${run.code} in ${run.seconds.toFixed(1)} s`);
      expect(run.code, run.output).toBe(0);
      expect(run.output).toContain('No display here');
      expectSetSteps(run);
      expect(run.output).toContain('✓ The demo passed');
      expect(run.output).toContain(`choose ${join(REPO, '.output/chrome-mv3')}`);
      expect(run.output).toContain(`choose ${join(REPO, '.output/firefox-mv3/manifest.json')}`);
      expect(run.output).toContain('chrome://extensions');
      expect(run.output).toContain('about:debugging#/runtime/this-firefox');
      expectNothingLeft(run);
    },
    FULL_RUN_MS,
  );

  test('usage errors exit 2', async () => {
    const run = await setwallet(['demo', '--browser', 'safari']);
    expect(run.code).toBe(2);
    expect(run.output).toContain('--browser is chromium or firefox');
  });
});

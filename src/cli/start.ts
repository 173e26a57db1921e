/**
 * `setwallet start [--data DIR] [--headless]` (npm start): the newcomer's main job.
 *
 *   1. Builds the wallet for Chrome and Firefox when the build is missing or out of date.
 *   2. With a display (DISPLAY or WAYLAND_DISPLAY, or macOS/Windows): starts the sandbox in DIR
 *      (default .sandbox, the embedded database) on its usual ports and opens Chromium, in a
 *      window, with the wallet loaded and the demo store open (its profile in DIR/chromium-profile,
 *      so the wallet, its root and its cards are still there next time). Runs until Ctrl-C, or
 *      until that Chromium is closed.
 *   3. Without a display (or with --headless): runs the scripted demo (`setwallet demo`) in
 *      headless Chromium instead, then says how to load the wallet by hand.
 *
 * Either way it says how to load the wallet by hand in Chrome and in Firefox, with the paths.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CHROMIUM_PATH } from '../demo/browsers.ts';
import { ensureBuild, REPO } from '../demo/build.ts';
import { runDemo } from '../demo/run.ts';
import { fingerprintText } from '../protocol/index.ts';
import { DEFAULT_BASE_PORT, startSandbox } from '../sandbox/sandbox.ts';
import type { Invocation } from './commands.ts';
import { exitNow } from './demo.ts';

/** Whether a window can be shown: an X or Wayland display, or a desktop OS. */
export function hasDisplay(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** How to load the wallet by hand, in Chrome and in Firefox, with the paths. */
export function manualInstall(): string {
  const chrome = join(REPO, '.output/chrome-mv3');
  const firefox = join(REPO, '.output/firefox-mv3');
  return `To load the wallet by hand:
  Chrome or Chromium: open chrome://extensions, turn on "Developer mode", click "Load unpacked"
      and choose ${chrome}
  Firefox (140 or later): open about:debugging#/runtime/this-firefox, click "Load Temporary
      Add-on…" and choose ${join(firefox, 'manifest.json')}
      (a temporary add-on stays until Firefox quits)`;
}

interface Flags {
  dataDir: string;
  headless: boolean;
}

export async function runStart({ values }: Invocation): Promise<number> {
  const flags: Flags = {
    dataDir: (values.data as string | undefined) ?? '.sandbox',
    headless: values.headless === true,
  };
  if (!ensureBuild()) return 1;
  if (flags.headless || !hasDisplay()) return headless(flags);
  return withChromium(flags);
}

/** No display: the scripted demo, then the way to do it by hand. */
async function headless(flags: Flags): Promise<number> {
  console.log(
    flags.headless
      ? '› --headless: running the scripted demo (setwallet demo) in headless Chromium.'
      : '› No display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so no window can open:\n' +
          '  running the scripted demo (setwallet demo) in headless Chromium instead.\n',
  );
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    console.log(`\n${signal}: stopping…`);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const report = await runDemo({ browser: 'chromium', signal: controller.signal });
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (!report.interrupted) {
    console.log(`
${manualInstall()}
Then start the sandbox, which keeps its data in ${flags.dataDir}/ and runs until Ctrl-C:
  npx setwallet sandbox${flags.dataDir === '.sandbox' ? '' : ` --data ${flags.dataDir}`}
and open the demo store at http://127.0.0.1:${DEFAULT_BASE_PORT + 2} in that browser. To see SET again
in Firefox: npx setwallet demo --browser firefox`);
  }
  return exitNow(report.ok ? 0 : report.interrupted ? 130 : 1);
}

/** A display: the sandbox in DIR, and Chromium in a window with the wallet and the demo store. */
async function withChromium(flags: Flags): Promise<number> {
  const dataDir = flags.dataDir;
  console.log(`› Starting the sandbox (data in ${dataDir}/, the embedded database)…`);
  const sandbox = await startSandbox({ dataDir, log: (line) => console.log(`  ${line}`) });
  const { issuer, gateway, store } = sandbox.urls;
  const fingerprint = fingerprintText(sandbox.root.thumbprint);
  console.log(`› The sandbox is running:
    issuer site and CAs  ${issuer}   (register a card: ${issuer}/register)
    payment gateway      ${gateway}   (its ledger of authorizations and captures)
    demo store           ${store}
      back office        ${sandbox.operatorLinks.backOffice}
    sandbox root         ${issuer}/pki/root.pem
                         SHA-256 ${fingerprint}`);

  let chromium: ChildProcess | undefined;
  let closed: Promise<void> = new Promise<void>(() => {});
  const profile = resolve(dataDir, 'chromium-profile');
  if (!existsSync(CHROMIUM_PATH)) {
    console.log(`
Chromium is not at ${CHROMIUM_PATH}: install it (apt install chromium) or set CHROMIUM_PATH.
${manualInstall()}
and open the demo store at ${store}.`);
  } else {
    mkdirSync(profile, { recursive: true });
    const logFile = join(dataDir, 'chromium.log');
    const extension = join(REPO, '.output/chrome-mv3');
    chromium = spawn(
      CHROMIUM_PATH,
      [
        `--user-data-dir=${profile}`,
        `--load-extension=${extension}`,
        '--no-first-run',
        '--no-default-browser-check',
        // Chromium refuses to run as root without it (a container, a CI machine).
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        store,
      ],
      { stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')] },
    );
    closed = new Promise<void>((done) => {
      chromium!.once('exit', () => done());
      chromium!.once('error', (e) => {
        console.error(`Chromium did not start: ${e.message}`);
        done();
      });
    });
    console.log(`› Chromium is open with the wallet (${shown(extension)}) and the demo store;
  its profile is ${shown(profile)}/ and its messages go to ${shown(logFile)}. In that window:
    1. Click the puzzle icon, pin SET Wallet, click it and choose "Set up the wallet": a passphrase.
    2. In the wallet's settings, under "Or download it from an address", enter
       ${issuer}/pki/root.pem, click "Download and check", compare the fingerprint
       with the one above, and trust it.
    3. Open ${issuer}/register, click the wallet's icon and register the test card
       4111 1111 1111 1111 (the issuer's /test-cards page lists the others).
    4. Add something to the cart at ${store}, check out, click the wallet's icon, "Pay at …",
       and confirm in the wallet's window with one click on Pay.

${manualInstall()}
Press Ctrl-C to stop Chromium and the sandbox (closing Chromium stops the sandbox too).`);
  }

  const signalled = new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  const launched = Date.now();
  let why = await Promise.race([signalled, closed.then(() => 'closed' as const)]);
  if (why === 'closed' && Date.now() - launched < 5000 && chromium?.exitCode === 0) {
    // A Chromium already running with this profile took the window over, and this one ended.
    console.log(
      '\nChromium handed the demo store to a Chromium already running with this profile.\n' +
        'The sandbox keeps running: press Ctrl-C to stop it.',
    );
    why = await signalled;
  }
  console.log(why === 'closed' ? '\nChromium was closed: stopping the sandbox…' : `\n${why}: stopping…`);
  if (chromium && chromium.exitCode === null && chromium.signalCode === null) {
    chromium.kill('SIGTERM');
    const gone = await Promise.race([closed.then(() => true), sleep(5000).then(() => false)]);
    if (!gone) chromium.kill('SIGKILL');
  }
  await sandbox.close();
  console.log('Stopped.');
  return 0;
}

/** A path as short as it can be said from here: relative inside the working folder, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel && !rel.startsWith('..') ? rel : resolve(path);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms).unref());
}

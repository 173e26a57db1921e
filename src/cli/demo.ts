/**
 * `setwallet demo [--browser chromium|firefox] [--transcript DIR] [--screenshots DIR] [--card PAN]`:
 * SET from end to end in a real browser, scripted (src/demo/run.ts). Builds the wallet first when
 * the build is missing or out of date. Exit 0 when the receipt in the wallet verifies and the
 * gateway's ledger shows the capture, 1 when a step fails (it names the step and the SET error),
 * 2 for usage errors, 130 on Ctrl-C. Nothing is left running either way.
 */
import type { BrowserName } from '../demo/browsers.ts';
import { ensureBuild } from '../demo/build.ts';
import { runDemo } from '../demo/run.ts';
import { isLuhnValid } from '../protocol/index.ts';

const USAGE = `usage: setwallet demo [--browser chromium|firefox] [--transcript DIR] [--screenshots DIR] [--card PAN]
  Starts a fresh sandbox on free ports, drives the wallet's production build in a headless browser
  (default chromium) through first run, the sandbox root, a test card, a one-click purchase at the
  demo store and the merchant's capture, and prints each SET/2 message as it passes.
  --transcript DIR    save every SET/2 message there, one file each (01-Me-AqCInitReq.json …),
                      for setwallet inspect
  --screenshots DIR   save the confirmation window and the receipt as PNG files
  --card PAN          the sandbox test card to use (default 4111 1111 1111 1111; see the issuer's
                      /test-cards page: the others decline)`;

interface Flags {
  browser: BrowserName;
  transcriptDir?: string;
  screenshotsDir?: string;
  card?: string;
}

function parse(args: string[]): Flags | string {
  const flags: Flags = { browser: 'chromium' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    if (!['--browser', '--transcript', '--screenshots', '--card'].includes(flag)) {
      return flag.startsWith('-') ? `unknown option "${flag}"` : `unexpected argument "${flag}"`;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === '') return `${flag} needs a value`;
    if (flag === '--browser') {
      if (value !== 'chromium' && value !== 'firefox')
        return `--browser is chromium or firefox, not "${value}"`;
      flags.browser = value;
    } else if (flag === '--transcript') flags.transcriptDir = value;
    else if (flag === '--screenshots') flags.screenshotsDir = value;
    else {
      const pan = value.replace(/[\s-]/g, '');
      if (!/^\d{12,19}$/.test(pan) || !isLuhnValid(pan)) return `--card ${value} is not a card number`;
      flags.card = pan;
    }
  }
  return flags;
}

export async function runDemoCommand(args: string[]): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const flags = parse(args);
  if (typeof flags === 'string') {
    console.error(`setwallet demo: ${flags}\n${USAGE}`);
    return 2;
  }
  if (!ensureBuild()) return 1;

  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    console.log(`\n${signal}: stopping the demo…`);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const report = await runDemo({
      browser: flags.browser,
      signal: controller.signal,
      ...(flags.transcriptDir ? { transcriptDir: flags.transcriptDir } : {}),
      ...(flags.screenshotsDir ? { screenshotsDir: flags.screenshotsDir } : {}),
      ...(flags.card ? { card: flags.card } : {}),
    });
    return exitNow(report.ok ? 0 : report.interrupted ? 130 : 1);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * Exits once what was printed is out. The browser and the sandbox are closed by then, but a step
 * cut short (Ctrl-C, a failure) may still have a poll waiting for its deadline.
 */
export async function exitNow(code: number): Promise<never> {
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}

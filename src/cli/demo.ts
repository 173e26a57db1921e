/**
 * `setwallet demo [--browser chromium|firefox] [--transcript DIR] [--screenshots DIR] [--card PAN] [--keep DIR]`:
 * SET from end to end in a real browser, scripted (src/demo/run.ts). Builds the wallet first when
 * the build is missing or out of date. Exit 0 when the receipt in the wallet verifies and the
 * gateway's ledger shows the capture, 1 when a step fails (it names the step and the SET error),
 * 2 for usage errors, 130 on Ctrl-C. Nothing is left running either way.
 */
import type { BrowserName } from '../demo/browsers.ts';
import { ensureBuild } from '../demo/build.ts';
import { keepProblem } from '../demo/kept-run.ts';
import { runDemo } from '../demo/run.ts';
import { isLuhnValid } from '../protocol/index.ts';
import { type Invocation, UsageError } from './commands.ts';

interface Flags {
  browser: BrowserName;
  transcriptDir?: string;
  screenshotsDir?: string;
  card?: string;
  keepDir?: string;
}

function flagsOf(values: Invocation['values']): Flags {
  const flags: Flags = { browser: 'chromium' };
  const browser = values.browser as string | undefined;
  if (browser !== undefined) {
    if (browser !== 'chromium' && browser !== 'firefox')
      throw new UsageError(`--browser is chromium or firefox, not "${browser}"`);
    flags.browser = browser;
  }
  if (typeof values.transcript === 'string') flags.transcriptDir = values.transcript;
  if (typeof values.screenshots === 'string') flags.screenshotsDir = values.screenshots;
  if (typeof values.keep === 'string') {
    const problem = keepProblem(values.keep);
    if (problem) throw new UsageError(`--keep: ${problem}`);
    flags.keepDir = values.keep;
  }
  if (typeof values.card === 'string') {
    const pan = values.card.replace(/[\s-]/g, '');
    if (!/^\d{12,19}$/.test(pan) || !isLuhnValid(pan))
      throw new UsageError(`--card ${values.card} is not a card number`);
    flags.card = pan;
  }
  return flags;
}

export async function runDemoCommand({ values }: Invocation): Promise<number> {
  const flags = flagsOf(values);
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
      ...(flags.keepDir ? { keepDir: flags.keepDir } : {}),
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

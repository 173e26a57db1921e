/**
 * Issue 4: the time from a cold service worker to its first handled message, in real Chromium
 * with the production build. The bound, measured in the same browser and run, is the cold start
 * of a bare reference extension whose worker answers at once: what waking any worker costs. The
 * ratio is what the wallet adds on top (opening its IndexedDB, reading storage.session, routing).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { quantile, type SuiteResult } from './measure.ts';

const BUILD = fileURLToPath(new URL('../.output/chrome-mv3', import.meta.url));
const ROUNDS = 12;
/** The wallet's cold start may cost this many times a bare worker's. */
const TARGET_RATIO = 4;

function referenceExtension(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      manifest_version: 3,
      name: 'reference',
      version: '1.0',
      background: { service_worker: 'ref.js' },
    }),
  );
  writeFileSync(
    join(dir, 'ref.js'),
    'chrome.runtime.onMessage.addListener((m, s, reply) => { reply({ ok: true }); });\n',
  );
  writeFileSync(join(dir, 'page.html'), '<!doctype html><title>reference</title>\n');
}

/** Milliseconds from sending `message` in `page` to its reply. */
function roundTrip(page: Page, message: unknown): Promise<number> {
  return page.evaluate(async (m) => {
    // Runs in the extension page, where the browser provides `chrome`.
    const runtime = (
      globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }
    ).chrome.runtime;
    const t = performance.now();
    await runtime.sendMessage(m);
    return performance.now() - t;
  }, message);
}

async function extensionIds(context: BrowserContext): Promise<{ wallet: string; reference: string }> {
  const ids = new Map<string, string>();
  for (let i = 0; i < 50 && ids.size < 2; i++) {
    for (const w of context.serviceWorkers())
      ids.set(w.url().endsWith('/ref.js') ? 'reference' : 'wallet', new URL(w.url()).host);
    if (ids.size < 2) await new Promise((r) => setTimeout(r, 100));
  }
  const wallet = ids.get('wallet');
  const reference = ids.get('reference');
  if (!wallet || !reference) throw new Error('the extensions did not start their service workers');
  return { wallet, reference };
}

export async function run(): Promise<SuiteResult> {
  const title = 'Cold service worker to first handled message, Chromium, production build';
  if (!existsSync(join(BUILD, 'manifest.json')) || !existsSync('/usr/bin/chromium')) {
    return {
      title,
      table: { head: ['measurement'], rows: [] },
      notes: ['skipped: needs `npm run build` and /usr/bin/chromium'],
      checks: [],
      figures: { skipped: true },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'set-bench-sw-'));
  const ref = join(dir, 'reference');
  referenceExtension(ref);
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--disable-extensions-except=${BUILD},${ref}`,
      `--load-extension=${BUILD},${ref}`,
    ],
  });
  try {
    const ids = await extensionIds(context);
    const walletPage = await context.newPage();
    await walletPage.goto(`chrome-extension://${ids.wallet}/popup.html`);
    const refPage = await context.newPage();
    await refPage.goto(`chrome-extension://${ids.reference}/page.html`);
    const cdp = await context.newCDPSession(walletPage);
    await cdp.send('ServiceWorker.enable');
    const walletMessage = { type: 'vault.status' };
    const cold = { wallet: [] as number[], reference: [] as number[] };
    const warm = { wallet: [] as number[], reference: [] as number[] };
    await roundTrip(walletPage, walletMessage);
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which extension goes first, so neither always meets a busier browser.
      const order = i % 2 ? (['reference', 'wallet'] as const) : (['wallet', 'reference'] as const);
      await cdp.send('ServiceWorker.stopAllWorkers');
      await new Promise((r) => setTimeout(r, 150));
      for (const who of order) {
        const page = who === 'wallet' ? walletPage : refPage;
        const message = who === 'wallet' ? walletMessage : { ping: true };
        cold[who].push(await roundTrip(page, message));
        warm[who].push(await roundTrip(page, message));
      }
    }
    const med = (xs: number[]) =>
      quantile(
        [...xs].sort((a, b) => a - b),
        0.5,
      );
    const p90 = (xs: number[]) =>
      quantile(
        [...xs].sort((a, b) => a - b),
        0.9,
      );
    const ratio = med(cold.wallet) / med(cold.reference);
    const pass = ratio <= TARGET_RATIO;
    const row = (name: string, xs: number[]) => [name, med(xs).toFixed(1), p90(xs).toFixed(1)];
    return {
      title: `${title} (target: ratio ≤ ${TARGET_RATIO})`,
      table: {
        head: ['measurement', 'median ms', 'p90 ms'],
        rows: [
          row('wallet: cold worker → vault.status answered', cold.wallet),
          row('reference: cold bare worker → answered', cold.reference),
          row('wallet: warm round trip', warm.wallet),
          row('reference: warm round trip', warm.reference),
          ['ratio wallet cold / reference cold', ratio.toFixed(2), pass ? 'PASS' : 'over'],
        ],
      },
      notes: [
        `${ROUNDS} rounds: all workers stopped (CDP ServiceWorker.stopAllWorkers), then each extension's`,
        'page sends one message (cold: the browser starts the worker, the worker starts up and answers)',
        'and a second one (warm). The reference is a bare MV3 extension that replies at once.',
      ],
      checks: [{ name: 'coldServiceWorkerRatio', value: ratio, target: TARGET_RATIO, pass }],
      figures: {
        coldWalletMs: { median: med(cold.wallet), p90: p90(cold.wallet) },
        coldReferenceMs: { median: med(cold.reference), p90: p90(cold.reference) },
        warmWalletMs: med(warm.wallet),
        warmReferenceMs: med(warm.reference),
        ratio,
      },
    };
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

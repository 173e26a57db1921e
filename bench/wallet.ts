/**
 * The wallet suites (issue 4, the figures that need no browser).
 *
 * wallet:  the unlock time at the chosen KDF cost. A vault created by src/wallet with its default
 *          cost (PBKDF2-SHA256, MIN_KDF_ITERATIONS = 600,000) is locked and unlocked, beside a raw
 *          WebCrypto PBKDF2 of the same cost, passphrase and salt (importKey + deriveBits, 256
 *          bits), interleaved; ratio ≈ 1 means the vault adds nothing to the KDF it cannot avoid.
 *          IndexedDB is fake-indexeddb and storage.session/alarms are WXT's fake browser, as in
 *          tests/unit/wallet-vault.test.ts; the WebCrypto is Node's (OpenSSL), so the absolute
 *          time differs from a browser's, the ratio much less.
 * bundles: the size of each built extension (.output/chrome-mv3, .output/firefox-mv3 from
 *          `npm run build`), per part and in total, raw and gzip, as ratios to the budgets issue 11
 *          states (BUDGETS). Skipped with a note when there is no build.
 *
 * The time from a cold service worker to its first handled message needs a real browser: it is
 * bench/service-worker.ts.
 */
import 'fake-indexeddb/auto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { IDBFactory } from 'fake-indexeddb';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { fromB64u, utf8 } from '../src/protocol/index.ts';
import { createWallet, MIN_KDF_ITERATIONS, type WalletPlatform } from '../src/wallet/index.ts';
import { type Check, quantile, type SuiteResult } from './measure.ts';

/** Unlock may cost at most 10 % over the raw PBKDF2 it performs. */
export const TARGET_UNLOCK_RATIO = 1.1;
/** Timed (unlock, raw PBKDF2) pairs. */
const UNLOCK_PAIRS = 15;

const PASSPHRASE = 'correct horse battery staple';

const median = (xs: readonly number[]): number =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

function buf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/** The raw KDF the vault performs on unlock: WebCrypto PBKDF2-SHA256, 256 bits. */
async function rawPbkdf2(passphrase: string, salt: Uint8Array, iterations: number): Promise<ArrayBuffer> {
  const material = await crypto.subtle.importKey(
    'raw',
    buf(utf8(passphrase.normalize('NFC'))),
    'PBKDF2',
    false,
    ['deriveBits'],
  );
  return crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations },
    material,
    256,
  );
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function runUnlock(): Promise<SuiteResult> {
  fakeBrowser.reset();
  const platform: WalletPlatform = {
    indexedDB: new IDBFactory(),
    session: fakeBrowser.storage.session,
    alarms: fakeBrowser.alarms,
    now: () => new Date(),
  };
  const wallet = await createWallet(platform);
  try {
    const tCreate = await timed(() => wallet.vault.create(PASSPHRASE));
    const meta = await wallet.vault.meta();
    if (!meta) throw new Error('bench/wallet: the vault was not created');
    const { iterations, alg } = meta.kdf;
    const salt = fromB64u(meta.kdf.salt);

    const unlock = async () => {
      await wallet.vault.lock(); // untimed: unlock must start from a locked vault
      const ms = await timed(() => wallet.vault.unlock(PASSPHRASE));
      if (!(await wallet.vault.isUnlocked())) throw new Error('bench/wallet: unlock did not unlock');
      return ms;
    };
    const raw = () => timed(() => rawPbkdf2(PASSPHRASE, salt, iterations));

    // One untimed round of each, then pairs, their order alternating.
    await unlock();
    await raw();
    const unlockMs: number[] = [];
    const rawMs: number[] = [];
    const pairs: number[] = [];
    for (let i = 0; i < UNLOCK_PAIRS; i++) {
      let u: number;
      let r: number;
      if (i % 2 === 0) {
        u = await unlock();
        r = await raw();
      } else {
        r = await raw();
        u = await unlock();
      }
      unlockMs.push(u);
      rawMs.push(r);
      pairs.push(u / r);
    }
    const u = median(unlockMs);
    const r = median(rawMs);
    const ratio = u / r;
    const pairedRatio = median(pairs);
    // The check is the paired ratio: each unlock against the raw derivation run right beside it,
    // so a move of the machine's speed between pairs cancels. The ratio of medians compares
    // different moments: in one run it was 1.306 (raw median 117 ms, its p90 154) with pairs at 1.03.
    const checks: Check[] = [
      {
        name: 'unlockOverRawPbkdf2',
        value: pairedRatio,
        target: TARGET_UNLOCK_RATIO,
        pass: pairedRatio <= TARGET_UNLOCK_RATIO,
      },
    ];
    return {
      title: `Wallet vault unlock at the default KDF cost, against raw WebCrypto PBKDF2 (target: ratio ≤ ${TARGET_UNLOCK_RATIO})`,
      table: {
        head: [
          'measurement',
          'unlock ms',
          'p90',
          'raw PBKDF2 ms',
          'p90',
          'ratio',
          'paired',
          'target',
          'verdict',
        ],
        rows: [
          [
            `vault.unlock (${alg}, ${iterations.toLocaleString('en')} iterations)`,
            u.toFixed(0),
            quantile(
              [...unlockMs].sort((a, b) => a - b),
              0.9,
            ).toFixed(0),
            r.toFixed(0),
            quantile(
              [...rawMs].sort((a, b) => a - b),
              0.9,
            ).toFixed(0),
            ratio.toFixed(3),
            pairedRatio.toFixed(3),
            TARGET_UNLOCK_RATIO.toFixed(2),
            pairedRatio <= TARGET_UNLOCK_RATIO ? 'PASS' : 'over',
          ],
        ],
      },
      notes: [
        `ms: median and p90 of ${UNLOCK_PAIRS} interleaved pairs (unlock from locked, raw importKey + deriveBits of the`,
        'same passphrase, salt and cost); ratio = median(unlock) / median(raw); paired = median of per-pair ratios (the check).',
        "Node's WebCrypto, fake-indexeddb and WXT's fake storage.session/alarms: a browser's absolute time differs.",
        `Default cost: ${iterations.toLocaleString('en')} iterations (MIN_KDF_ITERATIONS ${MIN_KDF_ITERATIONS.toLocaleString('en')}); vault.create took ${tCreate.toFixed(0)} ms.`,
      ],
      checks,
      figures: {
        kdf: { alg, iterations, saltBytes: salt.length, defaultIsMinimum: iterations === MIN_KDF_ITERATIONS },
        unlockMs: { median: u, samples: unlockMs },
        rawPbkdf2Ms: { median: r, samples: rawMs },
        ratio,
        pairedRatio,
        createMs: tCreate,
      },
    };
  } finally {
    wallet.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Bundle sizes

const OUTPUT = fileURLToPath(new URL('../.output/', import.meta.url));
const BUILDS = ['chrome-mv3', 'firefox-mv3'] as const;

const KiB = 1024;
/** The issue's unit: 1 KB = 1,000 bytes (the stricter reading). */
const KB = 1000;
/**
 * Budgets, minified, as issue 11 states them (the targets, not a margin above today's build):
 *   contentScript  ≤ 10 KB: it is parsed on every https page the shopper opens.
 *   background     ≤ 150 KB: the service worker, parsed at every cold start.
 *   page           ≤ 40 KB each (popup, confirm, options, register), with the chunks and CSS it loads.
 * And two of ours, from before: the whole package and its gzip size (room for ordinary growth over
 * the November 2026 build, 404 KiB and 123 KiB).
 */
export const BUDGETS = {
  contentScript: 10 * KB,
  background: 150 * KB,
  page: 40 * KB,
  total: 512 * KiB,
  totalGzip: 160 * KiB,
} as const;
type BudgetKey = keyof typeof BUDGETS;

interface Sized {
  bytes: number;
  gzipBytes: number;
}

/** Every file under `dir`, relative with forward slashes. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

interface BuildSizes {
  build: string;
  builtAt: string;
  files: Record<string, Sized>;
  /** Parts: every file in exactly one, except pages, which include the shared files they load. */
  parts: Record<string, Sized & { files: string[] }>;
  total: Sized;
  largestPage: { name: string } & Sized;
}

/** A build being rewritten while it is read (files vanish) is read again, a few times. */
async function measureBuildSettled(build: string): Promise<BuildSizes | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return measureBuild(build);
    } catch (e) {
      if (attempt >= 3 || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

function measureBuild(build: string): BuildSizes | undefined {
  const dir = join(OUTPUT, build);
  let names: string[];
  try {
    names = listFiles(dir);
  } catch {
    return undefined;
  }
  if (!names.includes('manifest.json')) return undefined;
  const files: Record<string, Sized> = {};
  for (const name of names) {
    const bytes = readFileSync(join(dir, name));
    files[name] = { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  }
  const sum = (list: string[]) => ({
    files: list,
    bytes: list.reduce((n, f) => n + (files[f]?.bytes ?? 0), 0),
    gzipBytes: list.reduce((n, f) => n + (files[f]?.gzipBytes ?? 0), 0),
  });
  const parts: BuildSizes['parts'] = {};
  const claimed = new Set<string>();
  const part = (label: string, list: string[], claim = true) => {
    if (list.length === 0) return;
    parts[label] = sum(list);
    if (claim) for (const f of list) claimed.add(f);
  };
  part(
    'background',
    names.filter((f) => /^background[^/]*\.js$/.test(f)),
  );
  part(
    'content script',
    names.filter((f) => f.startsWith('content-scripts/')),
  );
  // A page: its HTML and what the HTML references (entry chunk, preloaded shared chunks, CSS).
  const pages = names.filter((f) => /^[^/]+\.html$/.test(f));
  let largestPage: BuildSizes['largestPage'] = { name: '', bytes: 0, gzipBytes: 0 };
  for (const html of pages) {
    const text = readFileSync(join(dir, html), 'utf8');
    const refs = [...text.matchAll(/(?:src|href)="\/?([^"]+)"/g)]
      .map((m) => m[1]!)
      .filter((f) => files[f] !== undefined);
    const name = `${html.replace(/\.html$/, '')} page`;
    part(name, [html, ...refs], false);
    claimed.add(html);
    const own = refs.filter((f) => f.startsWith(`chunks/${html.replace(/\.html$/, '')}-`));
    for (const f of own) claimed.add(f);
    if (parts[name]!.bytes > largestPage.bytes) largestPage = { name, ...parts[name]! };
  }
  part(
    'shared UI chunks and CSS',
    names.filter((f) => !claimed.has(f) && (f.startsWith('chunks/') || f.startsWith('assets/'))),
  );
  part(
    'locales',
    names.filter((f) => f.startsWith('_locales/')),
  );
  part(
    'icons',
    names.filter((f) => f.startsWith('icons/')),
  );
  part(
    'manifest and other',
    names.filter((f) => !claimed.has(f)),
  );
  const total = sum(names);
  return {
    build,
    builtAt: statSync(join(dir, 'manifest.json')).mtime.toISOString(),
    files,
    parts,
    total: { bytes: total.bytes, gzipBytes: total.gzipBytes },
    largestPage,
  };
}

/** The newest modification time under the folders a build is made from. */
function newestSource(): Date | undefined {
  let newest = 0;
  for (const folder of ['src', 'entrypoints']) {
    const dir = fileURLToPath(new URL(`../${folder}/`, import.meta.url));
    try {
      for (const f of listFiles(dir)) newest = Math.max(newest, statSync(join(dir, f)).mtimeMs);
    } catch {
      // a missing folder has nothing newer
    }
  }
  return newest ? new Date(newest) : undefined;
}

const kib = (n: number): string => (n / KiB).toFixed(1);
const kb = (n: number): string => (n / KB).toFixed(1);

export async function runBundles(): Promise<SuiteResult> {
  const measured: { build: (typeof BUILDS)[number]; sizes: BuildSizes | undefined }[] = [];
  for (const build of BUILDS) measured.push({ build, sizes: await measureBuildSettled(build) });
  const present = measured.filter(
    (m): m is { build: (typeof BUILDS)[number]; sizes: BuildSizes } => !!m.sizes,
  );
  const missing = measured.filter((m) => !m.sizes).map((m) => m.build);
  const title = `Built extension sizes against budgets (target: ratio ≤ 1)`;
  if (present.length === 0) {
    return {
      title,
      table: { head: ['measurement', 'value'], rows: [['builds', 'missing']] },
      notes: [
        `No build in .output/ (${BUILDS.join(', ')}): run \`npm run build\` first. Skipped, not failed.`,
      ],
      checks: [],
      figures: { skipped: true, missing },
    };
  }

  const budgetOf: Record<string, { key: BudgetKey; value: (s: BuildSizes) => number }> = {
    background: { key: 'background', value: (s) => s.parts.background?.bytes ?? 0 },
    'content script': { key: 'contentScript', value: (s) => s.parts['content script']?.bytes ?? 0 },
  };
  const checks: Check[] = [];
  const check = (build: string, key: BudgetKey, bytes: number) => {
    const value = bytes / BUDGETS[key];
    checks.push({ name: `${build}.${key}`, value, target: 1, pass: value <= 1 });
    return value;
  };

  const labels = [...new Set(present.flatMap((p) => Object.keys(p.sizes.parts)))];
  const head = ['part', ...present.flatMap((p) => [`${p.build} KiB`, 'gzip']), 'budget', 'ratio', 'verdict'];
  const verdict = (ratios: number[]) => (ratios.every((x) => x <= 1) ? 'PASS' : 'over');
  const rows: string[][] = labels.map((label) => {
    const cells = present.flatMap((p) => {
      const s = p.sizes.parts[label];
      return s ? [kib(s.bytes), kib(s.gzipBytes)] : ['–', '–'];
    });
    const b = budgetOf[label];
    if (b) {
      const ratios = present.map((p) => check(p.build, b.key, b.value(p.sizes)));
      return [label, ...cells, `${kb(BUDGETS[b.key])} KB`, Math.max(...ratios).toFixed(3), verdict(ratios)];
    }
    if (label.endsWith(' page')) {
      const name = label.replace(/ page$/, '');
      const ratios = present.map((p) => {
        const bytes = p.sizes.parts[label]?.bytes ?? 0;
        const value = bytes / BUDGETS.page;
        checks.push({ name: `${p.build}.page.${name}`, value, target: 1, pass: value <= 1 });
        return value;
      });
      return [label, ...cells, `${kb(BUDGETS.page)} KB`, Math.max(...ratios).toFixed(3), verdict(ratios)];
    }
    return [label, ...cells, '', '', ''];
  });
  const totalRatios = present.map((p) => check(p.build, 'total', p.sizes.total.bytes));
  rows.push([
    'total',
    ...present.flatMap((p) => [kib(p.sizes.total.bytes), kib(p.sizes.total.gzipBytes)]),
    `${kib(BUDGETS.total)} KiB`,
    Math.max(...totalRatios).toFixed(3),
    verdict(totalRatios),
  ]);
  const gzipRatios = present.map((p) => check(p.build, 'totalGzip', p.sizes.total.gzipBytes));
  rows.push([
    'total, gzip',
    ...present.flatMap((p) => ['', kib(p.sizes.total.gzipBytes)]),
    `${kib(BUDGETS.totalGzip)} KiB`,
    Math.max(...gzipRatios).toFixed(3),
    verdict(gzipRatios),
  ]);

  const builtAt = present.map((p) => new Date(p.sizes.builtAt).getTime());
  const source = newestSource();
  const stale = source !== undefined && Math.min(...builtAt) < source.getTime();
  return {
    title,
    table: { head, rows },
    notes: [
      'KiB = 1024 bytes; gzip: each file at level 9, summed. Pages count their HTML and the chunks and CSS it',
      'loads (shared ones too), so page rows overlap the shared row; every other file is in one part, once.',
      'ratio = size / budget, the larger of the builds; budgets (issue 11: KB = 1,000 bytes) in bench/wallet.ts (BUDGETS).',
      `Builds measured: ${present.map((p) => `${p.build} (built ${p.sizes.builtAt})`).join(', ')}.`,
      ...(missing.length ? [`Missing: ${missing.join(', ')} (run \`npm run build\`); skipped.`] : []),
      ...(stale
        ? [`Sources changed since (${source!.toISOString()}): run \`npm run build\` for current figures.`]
        : []),
    ],
    checks,
    figures: {
      budgets: BUDGETS,
      builds: Object.fromEntries(present.map((p) => [p.build, p.sizes])),
      missing,
      stale,
    },
  };
}

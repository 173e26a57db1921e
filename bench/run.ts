/**
 * `npm run bench`: runs every suite, prints a table per suite and writes bench/results.json:
 *   { generatedAt, node, machine: { cpus, model }, quick, summary: { … }, suites: { <key>: { title, pass, checks, figures } } }
 * `--quick`: fewer requests and purchases (development; figures noisier). `--only=gateway,sandbox`:
 * those suites alone (results.json then holds only them).
 * A new suite is a function `(): Promise<SuiteResult>` (a module's `run`) and one line in SUITES.
 * `--strict` makes the exit status 1 when a check is over its target (timings on shared machines
 * are noisy, so by default the figures are reported, not enforced).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as gateway from './gateway.ts';
import type { SuiteResult } from './measure.ts';
import * as sandbox from './sandbox.ts';
import * as serviceWorker from './service-worker.ts';
import * as wallet from './wallet.ts';

const QUICK = process.argv.includes('--quick');
const ONLY = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const log = (line: string) => console.log(line);

const SUITES: { key: string; run: () => Promise<SuiteResult> }[] = [
  { key: 'gateway', run: () => gateway.run({ quick: QUICK, log }) },
  { key: 'sandbox', run: () => sandbox.run({ quick: QUICK, log }) },
  { key: 'wallet', run: wallet.runUnlock },
  { key: 'bundles', run: wallet.runBundles },
  { key: 'serviceWorker', run: serviceWorker.run },
];

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

/** Left-aligns the first column, right-aligns the others. */
function formatTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

type Suites = Record<string, { figures: Record<string, unknown> }>;

const maxOf = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b);

/** The headline numbers, from this run (null when the suite was skipped or not run). */
function summaryOf(suites: Suites): Record<string, number | null> {
  const at = (path: string): number | null => {
    let v: unknown = suites;
    for (const k of path.split('.'))
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    return typeof v === 'number' ? Number(v.toFixed(3)) : null;
  };
  return {
    gatewayCpuVsNativeReturning: at('gateway.figures.summary.gatewayCpuVsNativeReturning'),
    gatewayCpuVsNativeNew: at('gateway.figures.summary.gatewayCpuVsNativeNew'),
    twoProcessCpuRatio: at('gateway.figures.summary.twoProcessCpuRatio'),
    twoProcessAuthPerSecondRatio: at('gateway.figures.summary.twoProcessAuthPerSecondRatio'),
    // At one offered rate below saturation: the gateway's 2 ÷ 1, and a bare server's (the machine's own).
    twoProcessCpuRatioAtEqualRate: at('gateway.figures.summary.twoProcessCpuRatioAtEqualRate'),
    bareServerTwoProcessCpuRatioAtEqualRate: at(
      'gateway.figures.summary.bareServerTwoProcessCpuRatioAtEqualRate',
    ),
    // The gateway (PostgreSQL, 1 process, at that rate) ÷ the bare server: what our code adds.
    gatewayCpuVsBareServerAtEqualRate: at('gateway.figures.summary.gatewayCpuVsBareServerAtEqualRate'),
    payToReceiptP50Ms: at('sandbox.figures.payToReceiptMs.p50'),
    payToReceiptP90Ms: at('sandbox.figures.payToReceiptMs.p90'),
    // At rest: the larger of the first start (fresh data folder) and a restart on the same folder.
    sandboxRssMb: maxOf(
      at('sandbox.figures.rssMb.atRestFirstStart'),
      at('sandbox.figures.rssMb.atRestRestart'),
    ),
    sandboxRssRestartMb: at('sandbox.figures.rssMb.atRestRestart'),
    sandboxRssAfterLoadMb: at('sandbox.figures.rssMb.afterLoad'),
    nativeFloorCpuMsReturning: at('gateway.figures.nativeFloor.cpuMsPerAuthorization.returning'),
    nativeFloorCpuMsNew: at('gateway.figures.nativeFloor.cpuMsPerAuthorization.new'),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown' };
  console.log(`SET/2 bench: node ${process.version}, ${machine.cpus} × ${machine.model}\n`);
  const suites: Record<string, Omit<SuiteResult, 'table' | 'notes'> & { pass: boolean }> = {};
  for (const suite of SUITES.filter((s) => !ONLY || ONLY.includes(s.key))) {
    const r = await suite.run();
    const pass = r.checks.every((c) => c.pass);
    const notes = (r.notes ?? []).map((n) => `  ${n}\n`).join('');
    console.log(`${r.title}\n${formatTable(r.table.head, r.table.rows)}\n${notes}`);
    suites[suite.key] = { title: r.title, pass, checks: r.checks, figures: r.figures };
  }
  const results = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    machine,
    quick: QUICK,
    summary: summaryOf(suites),
    suites,
  };
  console.log(
    `Summary\n${formatTable(
      ['figure', 'value'],
      Object.entries(results.summary).map(([k, v]) => [k, v === null ? '–' : String(v)]),
    )}\n`,
  );
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  const failed = Object.entries(suites).flatMap(([key, s]) =>
    s.checks.filter((c) => !c.pass).map((c) => `${key}.${c.name}`),
  );
  console.log(`Wrote bench/results.json in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  if (failed.length) {
    console.log(`Off target: ${failed.join(', ')}`);
    if (process.argv.includes('--strict')) process.exitCode = 1;
  }
}

await main();

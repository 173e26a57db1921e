/**
 * `npm run bench`: runs every suite, prints a table per suite and writes bench/results.json:
 *   { generatedAt, node, machine: { cpus, model }, suites: { <key>: { title, pass, checks, figures } } }
 * A new suite is a function `(): Promise<SuiteResult>` (a module's `run`) and one line in SUITES.
 * `--strict` makes the exit status 1 when a check is over its target (timings on shared machines
 * are noisy, so by default the figures are reported, not enforced).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as gateway from './gateway.ts';
import type { SuiteResult } from './measure.ts';
import * as protocol from './protocol.ts';
import * as serviceWorker from './service-worker.ts';
import * as wallet from './wallet.ts';

const SUITES: { key: string; run: () => Promise<SuiteResult> }[] = [
  { key: 'protocol', run: protocol.run },
  { key: 'gateway', run: gateway.run },
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

async function main(): Promise<void> {
  const started = Date.now();
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown' };
  console.log(`SET/2 bench: node ${process.version}, ${machine.cpus} × ${machine.model}\n`);
  const suites: Record<string, Omit<SuiteResult, 'table' | 'notes'> & { pass: boolean }> = {};
  for (const suite of SUITES) {
    const r = await suite.run();
    const pass = r.checks.every((c) => c.pass);
    const notes = (r.notes ?? []).map((n) => `  ${n}\n`).join('');
    console.log(`${r.title}\n${formatTable(r.table.head, r.table.rows)}\n${notes}`);
    suites[suite.key] = { title: r.title, pass, checks: r.checks, figures: r.figures };
  }
  const results = { generatedAt: new Date().toISOString(), node: process.version, machine, suites };
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

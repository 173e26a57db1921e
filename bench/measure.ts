/**
 * A small timing harness. Machines are shared and noisy, so a figure is never reported alone: each
 * measurement runs beside a bound measured in the same run (here, the raw primitive operations the
 * protocol function performs), the two are interleaved batch by batch (A, B, A, B, …) so that any
 * slowdown hits both alike, and the result is their ratio.
 */
import { performance } from 'node:perf_hooks';

export interface Stats {
  /** Per-operation microseconds. */
  medianUs: number;
  p90Us: number;
  minUs: number;
}

export interface Comparison {
  name: string;
  /** Operations per timed batch (calibrated so a batch lasts about `batchMs`). */
  batch: number;
  samples: number;
  protocol: Stats;
  primitives: Stats;
  /** median(protocol) / median(primitives). */
  ratio: number;
  /** Median of the per-pair ratios (each protocol batch over the primitives batch beside it): a cross-check. */
  pairedRatio: number;
  /** protocol − primitives, medians: what the protocol layer itself costs per operation. */
  overheadUs: number;
}

export interface CompareOptions {
  /** Timed batch pairs. */
  samples?: number;
  /** Target duration of one batch, used to choose the batch size. */
  batchMs?: number;
  /** Untimed running of both sides before sampling (JIT, caches). */
  warmupMs?: number;
}

const DEFAULTS: Required<CompareOptions> = { samples: 41, batchMs: 50, warmupMs: 500 };

/** Runs `fn` `n` times; returns per-operation microseconds. */
async function timeBatch(fn: () => unknown, n: number): Promise<number> {
  let sink: unknown;
  const t0 = performance.now();
  // Awaited one at a time: the protocol is asynchronous where it reaches WebCrypto.
  for (let i = 0; i < n; i++) sink = await fn();
  const t1 = performance.now();
  blackhole.last = sink;
  return ((t1 - t0) * 1000) / n;
}

/** Keeps the last result observable so the JIT cannot drop the work that produced it. */
export const blackhole: { last: unknown } = { last: undefined };

/** Quantile of an ascending array, linear interpolation between closest ranks. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return { medianUs: quantile(s, 0.5), p90Us: quantile(s, 0.9), minUs: s[0]! };
}

/** Runs the functions in turn, untimed, until `ms` has passed. */
async function warmUp(fns: (() => unknown)[], ms: number): Promise<void> {
  const until = performance.now() + ms;
  do {
    for (const fn of fns) blackhole.last = await fn();
  } while (performance.now() < until);
}

/**
 * Measures `protocol` beside `primitives`: warm-up, a batch size chosen from a first timing, then
 * `samples` interleaved batch pairs. Both functions must be repeatable without setup.
 */
export async function compare(
  name: string,
  protocol: () => unknown,
  primitives: () => unknown,
  options: CompareOptions = {},
): Promise<Comparison> {
  const o = { ...DEFAULTS, ...options };
  await warmUp([protocol, primitives], o.warmupMs);
  // Calibrate on the slower side so a batch of either lasts about batchMs.
  const probe = Math.max(await timeBatch(protocol, 5), await timeBatch(primitives, 5));
  const batch = Math.max(1, Math.round((o.batchMs * 1000) / probe));
  const a: number[] = [];
  const b: number[] = [];
  const pairs: number[] = [];
  for (let i = 0; i < o.samples; i++) {
    const ta = await timeBatch(protocol, batch);
    const tb = await timeBatch(primitives, batch);
    a.push(ta);
    b.push(tb);
    pairs.push(ta / tb);
  }
  const protocolStats = stats(a);
  const primitiveStats = stats(b);
  return {
    name,
    batch,
    samples: o.samples,
    protocol: protocolStats,
    primitives: primitiveStats,
    ratio: protocolStats.medianUs / primitiveStats.medianUs,
    pairedRatio: quantile(
      [...pairs].sort((x, y) => x - y),
      0.5,
    ),
    overheadUs: protocolStats.medianUs - primitiveStats.medianUs,
  };
}

/** Times one function alone (for the profile of where overhead goes): median µs/op. */
export async function timeAlone(fn: () => unknown, options: CompareOptions = {}): Promise<Stats> {
  const o = { ...DEFAULTS, ...options };
  await warmUp([fn], o.warmupMs);
  const batch = Math.max(1, Math.round((o.batchMs * 1000) / (await timeBatch(fn, 5))));
  const xs: number[] = [];
  for (let i = 0; i < o.samples; i++) xs.push(await timeBatch(fn, batch));
  return stats(xs);
}

/** A pass/fail figure: `value` must not exceed `target` (with `atLeast`, must reach it). */
export interface Check {
  name: string;
  value: number;
  target: number;
  /** The target is a floor (a fraction of a bound achieved), not a ceiling. */
  atLeast?: boolean;
  pass: boolean;
}

/**
 * What a suite hands back to bench/run.ts: a table to print, its checks, and the figures that go
 * to results.json under `suites.<key>`. A suite without timings (bundle sizes) fits the same shape.
 */
export interface SuiteResult {
  title: string;
  table: { head: string[]; rows: string[][] };
  /** Printed under the table: how to read it. */
  notes?: string[];
  checks: Check[];
  figures: Record<string, unknown>;
}

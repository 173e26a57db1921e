/**
 * Time budgets for the tests that run real processes (gateways, PGlite initdb, PostgreSQL
 * faults). Every wait in those tests is for an event (a line on stdout, an exit, a row in the
 * ledger); these numbers are only the point where a test gives up on an event that never comes,
 * so they are sized for a busy CI machine, where CPU-bound work (building AuthReqs, PGlite's
 * initdb, a child process loading TypeScript) takes ten times as long as on an idle one: a
 * gateway's first start on a fresh PGlite folder took 50 s with the machine at load 13 on 2 cores.
 * TEST_TIME_SCALE (a number, default 1) multiplies them all for slower machines still.
 */
const scale = (() => {
  const n = Number(process.env.TEST_TIME_SCALE ?? 1);
  return Number.isFinite(n) && n > 0 ? n : 1;
})();

/** `ms` scaled by TEST_TIME_SCALE. */
export const budget = (ms: number): number => Math.round(ms * scale);

/** Per-test (and per-hook) limit for a test that starts processes: a hang guard, not a goal. */
export const PROCESS_TEST_TIMEOUT_MS = budget(600_000);

/** How long a child process may take to start listening (it loads TypeScript, may run initdb). */
export const PROCESS_START_MS = budget(300_000);

/** How long a test waits for a condition another process brings about (delivery, recovery). */
export const CONDITION_MS = budget(180_000);

/**
 * Resolves with `probe`'s first defined value, asking again every `everyMs` (a probe that throws
 * counts as not yet); throws, naming `what`, after `limitMs`.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  limitMs = CONDITION_MS,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The native floor's own process (bench/gateway.ts): forked with `serialization: 'advanced'`, it
 * measures the floor (bench/native-floor.ts) in a process that does nothing else, so that
 * process.cpuUsage() is the floor's CPU alone. Measured in the bench's process, the floor carried
 * the load generator's GC threads, still sweeping after a phase: 1.1–3.1 ms a call against 0.96.
 *
 * Two ways:
 * - `measure`: `calls` floor authorizations one after another, now (between the setups).
 * - `start` … `stop`: while a gateway phase runs, pinned to the gateway's core (pairedPhase), a few
 *   floor authorizations every few milliseconds, about a tenth of that core. This machine's speed
 *   moves under the bench: the same batch measured 0.104 ms a call one minute and 0.155 the next
 *   with nothing else running, and the two vCPUs differed by 40% at one moment. Samples taken
 *   through the phase see the speed the phase saw.
 *
 * IPC: { inputs } → { ready: { ops } }; { measure: kind, calls } → { floor }; { start: kind };
 * { stop: true } → { floor } (CPU ms per call since start); { exit: true }.
 */
import { cpuPerCall, type FloorInputs, prepareFloor } from './native-floor.ts';

type Kind = 'returning' | 'new';
export type CanaryCommand =
  | { inputs: FloorInputs }
  | { measure: Kind; calls: number }
  | { start: Kind }
  | { stop: true }
  | { exit: true };
export interface FloorSample {
  cpuMs: number;
  wallMs: number;
  calls: number;
}
export type CanaryReport = { ready: { ops: string[] } } | { floor: FloorSample };

/** While a phase runs: this many calls every EVERY_MS. */
const CALLS = 4;
const EVERY_MS = 50;
/** At least this many calls per start … stop. */
const MIN_CALLS = 16;

function main(): void {
  const send = (m: CanaryReport) => process.send?.(m);
  let floor: ReturnType<typeof prepareFloor> | undefined;
  const callOf = (kind: Kind) => (kind === 'returning' ? floor!.returning : floor!.fresh);
  let timer: NodeJS.Timeout | undefined;
  let sampled = { cpuMs: 0, wallMs: 0, calls: 0 };
  let call: () => unknown = () => {};
  const sample = (n: number) => {
    const r = cpuPerCall(call, n, 0);
    sampled.cpuMs += r.cpuMs * n;
    sampled.wallMs += r.wallMs * n;
    sampled.calls += n;
  };
  process.on('message', (m: CanaryCommand) => {
    if ('inputs' in m) {
      floor = prepareFloor(m.inputs);
      for (const kind of ['returning', 'new'] as const) cpuPerCall(callOf(kind), 1, 50);
      send({ ready: { ops: floor.ops } });
    } else if ('measure' in m) {
      send({ floor: { ...cpuPerCall(callOf(m.measure), m.calls, 10), calls: m.calls } });
    } else if ('start' in m) {
      call = callOf(m.start);
      sampled = { cpuMs: 0, wallMs: 0, calls: 0 };
      timer = setInterval(() => sample(CALLS), EVERY_MS);
    } else if ('stop' in m) {
      clearInterval(timer);
      // A phase shorter than a few samples (--quick): top up right after it.
      if (sampled.calls < MIN_CALLS) sample(MIN_CALLS - sampled.calls);
      const { cpuMs, wallMs, calls } = sampled;
      send({ floor: { cpuMs: cpuMs / calls, wallMs: wallMs / calls, calls } });
    } else if ('exit' in m) {
      clearInterval(timer);
      process.exit(0);
    }
  });
}

main();

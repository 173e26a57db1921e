/**
 * The gateway under load (issue 11): CPU ms per authorization against the native floor, auth/s and
 * latency, over real HTTP from autocannon.
 *
 * The real gateway (src/gateway createGateway with the test-card issuer simulator) runs in child
 * processes of its own (bench/gateway-process.ts), so its CPU time, read from process.cpuUsage()
 * inside each process over IPC before and after a phase, holds nothing of the load generator's.
 * On PostgreSQL the server's share is added: the utime + stime (/proc/<pid>/stat) of every backend
 * connected to the bench's database (pg_stat_activity), before and after the phase.
 *
 * Setups: PGlite (on disk) with 1 process; PostgreSQL (TEST_DATABASE_URL) with 1 process and with
 * 2 processes sharing one database (autocannon then drives both at once, half the connections
 * each). Each setup starts on a fresh database. Phases: a returning cardholder (one certificate,
 * validated by the gateway once) and new cardholders (a certificate of its own per AuthReq), at
 * c=1 and c=16 (the two-process setup: c=16 only).
 *
 * Every AuthReq is distinct (its own PInit, PReq and XID) and built before any timing; autocannon's
 * setupRequest hands each connection the next unused body. Every reply is checked to be an AuthRes
 * (HTTP 200), and each process's ledger must hold one row per authorization sent to it.
 *
 * The floor (bench/native-floor.ts) is the same authorization's cryptography with node:crypto, in a
 * process of its own (bench/floor-canary.ts). The PGlite phases, the headline, are paired with it:
 * in parts, the gateway and the floor pinned to one core, the floor sampled while the part runs
 * (pairedPhase). The other rows use the floor measured between the setups (the median).
 *
 * On PostgreSQL, a bare server (bench/bare-server.ts: node:http, the floor's cryptography and one
 * prepared INSERT per request, nothing of ours) also runs as 1 and 2 processes at the paced
 * phases' rate: its 2 ÷ 1 is the machine's own cost of a second process, beside the gateway's.
 */
import { type ChildProcess, execFileSync, fork, type Serializable } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { fromB64u } from '../src/protocol/index.ts';
import { type Database, openDatabase } from '../src/storage/index.ts';
import { writePkiDir } from '../tests/support/gateway-process.ts';
import { issueCardholder, makeWorld, TestMerchant, TestWallet, type World } from '../tests/support/world.ts';
import { BARE_TABLE, writeBareInputs } from './bare-server.ts';
import type { CanaryCommand, FloorSample } from './floor-canary.ts';
import { type Check, quantile, type SuiteResult } from './measure.ts';
import type { FloorInputs } from './native-floor.ts';
import type { GatewayCommand, GatewayReport } from './server-ipc.ts';

/** The two-process setup with one of its processes loaded (alternatingPhases). */
const ONE_OF_TWO = 'PostgreSQL, 2 processes, 1 of them loaded';

/** Targets: gateway CPU per authorization ÷ native floor; 2 processes ÷ 1. */
export const TARGETS = { returning: 3, new: 4, twoProcessCpu: 1.2 } as const;

const CHILD = fileURLToPath(new URL('./gateway-process.ts', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const CANARY = fileURLToPath(new URL('./floor-canary.ts', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));
const CLK_TCK = 100;

export type Kind = 'returning' | 'new';
type Level = 1 | 16;

export interface GatewayOptions {
  quick?: boolean;
  log?: (line: string) => void;
}

function assert(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`bench/gateway: ${what}`);
}

export interface Proc {
  child: ChildProcess;
  url: string;
  ask<T>(cmd: GatewayCommand, key: 'usage' | 'counts'): Promise<T>;
}

export async function startProcess(
  pkiDir: string,
  db: { url?: string; dataDir?: string },
  nodeOptions: readonly string[] = [],
): Promise<Proc> {
  const args = ['--pki', pkiDir];
  if (db.url) args.push('--database-url', db.url);
  if (db.dataDir) args.push('--data-dir', db.dataDir);
  return forkServer(CHILD, args, nodeOptions);
}

/** A bare server (bench/bare-server.ts) on PostgreSQL at `url`, with the inputs `writeBareInputs` wrote. */
function startBareProcess(inputsFile: string, url: string): Promise<Proc> {
  return forkServer(BARE, ['--inputs', inputsFile, '--database-url', url]);
}

/** Forks `script` (a server speaking bench/server-ipc.ts) and resolves once it listens. */
async function forkServer(
  script: string,
  args: string[],
  nodeOptions: readonly string[] = [],
): Promise<Proc> {
  const child = fork(script, args, {
    cwd: REPO,
    execArgv: [...nodeOptions, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (m: GatewayReport) => {
      if ('listening' in m) {
        child.off('message', onMessage);
        resolve(m.listening);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the gateway process exited (${code}) before listening`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, ask: asker<GatewayCommand>(child, 'the gateway process') };
}

/**
 * Sends a command to a forked child and resolves with the `key` field of its first report that has
 * one; rejects if the child exits first (a server or the floor canary that died mid-run).
 */
function asker<Command extends Serializable>(child: ChildProcess, what: string) {
  return <T>(cmd: Command, key: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: object) => {
        if (key in m) {
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve((m as Record<string, unknown>)[key] as T);
        }
      };
      const onExit = (code: number | null) => reject(new Error(`${what} exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(cmd);
    });
}

export async function stopProcess(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
  p.child.send({ cmd: 'stop' } satisfies GatewayCommand);
  await exited;
}

/** utime + stime in ms of each PostgreSQL backend connected to `dbName`, by pid. */
async function backendCpu(admin: Database, dbName: string): Promise<Map<number, number>> {
  const rows = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
    dbName,
  ]);
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 of proc(5), counted from the state (field 3) here.
      out.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK);
    } catch {
      // The backend ended between the query and the read.
    }
  }
  return out;
}

interface Bodies {
  returning: string[];
  new: string[];
}

/**
 * The AuthReqs of one kind: `n` distinct ones, each from its own purchase (PInit, PReq, XID) and,
 * for `new`, its own cardholder. One merchant for all, as a real one is.
 */
export async function buildBodies(
  world: World,
  merchant: TestMerchant,
  kind: Kind,
  n: number,
): Promise<string[]> {
  const returning = new TestWallet(world, issueCardholder(world));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const wallet = kind === 'returning' ? returning : new TestWallet(world, issueCardholder(world));
    const pinitReq = await wallet.pinitReq();
    const pinit = await wallet.verifyPInitRes(
      await merchant.pinit(JSON.stringify(pinitReq.wire)),
      pinitReq.content,
    );
    const preq = await wallet.preq(pinit);
    out.push((await merchant.preqToAuthReq(JSON.stringify(preq.wire))).authReq);
  }
  return out;
}

interface PhaseResult {
  setup: string;
  kind: Kind;
  connections: Level;
  /** The offered rate (authorizations a second, over all processes), when the phase is paced. */
  rate?: number;
  processes: number;
  authorizations: number;
  authPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number };
  gatewayCpuMsPerAuth: number;
  postgresCpuMsPerAuth: number;
  cpuMsPerAuth: number;
  notAuthRes: number;
  errors: number;
  /** A paired phase's own floor (same core, same time) and its parts: see pairedPhase. */
  floorMs?: number;
  parts?: PairedPart[];
}

/**
 * Sends `bodies` to the processes with `connections` in flight in all (split evenly); with `rate`,
 * paced at that many a second in all instead of as fast as they are answered.
 */
async function phase(
  procs: Proc[],
  bodies: string[],
  connections: Level,
  pg: { admin: Database; name: string } | undefined,
  rate?: number,
): Promise<Omit<PhaseResult, 'setup' | 'kind'>> {
  let next = 0;
  let notAuthRes = 0;
  const take = (): string => {
    const b = bodies[next++];
    assert(b, 'ran out of distinct AuthReqs');
    return b;
  };
  const perProc = connections / procs.length;
  // autocannon builds one request per connection ahead: those bodies are never sent.
  const amount = Math.floor((bodies.length - connections * 2) / procs.length);
  const cpu0 = await Promise.all(procs.map((p) => p.ask<{ cpuUs: number }>({ cmd: 'usage' }, 'usage')));
  const pg0 = pg ? await backendCpu(pg.admin, pg.name) : new Map<number, number>();
  // Wall time ends at the last answer, not when autocannon resolves: it stops on its once-a-second
  // ticker, which turned a phase's auth/s into its count ÷ whole seconds (239, 299, 398).
  const t0 = performance.now();
  let lastAnswer = t0;
  const results = await Promise.all(
    procs.map((p) =>
      autocannon({
        url: p.url,
        connections: Math.max(1, perProc),
        amount,
        timeout: 60,
        ...(rate ? { overallRate: rate / procs.length } : {}),
        requests: [
          {
            method: 'POST',
            path: '/set',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: take() }),
            onResponse: (status, body) => {
              lastAnswer = performance.now();
              if (status !== 200 || !body.includes('"type":"AuthRes"')) notAuthRes++;
            },
          },
        ],
      }),
    ),
  );
  const wallMs = lastAnswer - t0;
  const cpu1 = await Promise.all(procs.map((p) => p.ask<{ cpuUs: number }>({ cmd: 'usage' }, 'usage')));
  const pg1 = pg ? await backendCpu(pg.admin, pg.name) : new Map<number, number>();
  const n = amount * procs.length;
  const gatewayCpuMs = cpu1.reduce((s, u, i) => s + (u.cpuUs - cpu0[i]!.cpuUs) / 1000, 0);
  let pgCpuMs = 0;
  for (const [pid, ms] of pg1) pgCpuMs += ms - (pg0.get(pid) ?? 0);
  // Latency: autocannon's histograms per instance; with two, the mean of their quantiles.
  const mean = (f: (r: (typeof results)[number]) => number) =>
    results.reduce((s, r) => s + f(r), 0) / results.length;
  return {
    connections,
    ...(rate ? { rate } : {}),
    processes: procs.length,
    authorizations: n,
    authPerSecond: (n * 1000) / wallMs,
    latencyMs: {
      p50: mean((r) => r.latency.p50),
      p90: mean((r) => r.latency.p90),
      p99: mean((r) => r.latency.p99),
    },
    gatewayCpuMsPerAuth: gatewayCpuMs / n,
    postgresCpuMsPerAuth: pgCpuMs / n,
    cpuMsPerAuth: (gatewayCpuMs + pgCpuMs) / n,
    notAuthRes,
    errors: results.reduce((s, r) => s + r.errors + r.timeouts, 0),
  };
}

const median = (xs: readonly number[]): number =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/**
 * CPU affinity through taskset (util-linux): all of `pid`'s threads may run on `cpus` alone. False
 * where it cannot be set (no taskset, one CPU, CPUs not numbered from 0): the part then runs unpinned.
 */
function pin(pid: number, cpus: readonly number[]): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus.join(','), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One part of a paired phase: the gateway pinned to `core`, with the floor canary beside it. */
interface PairedPart {
  core: number | null;
  authorizations: number;
  gatewayCpuMsPerAuth: number;
  /** The floor's CPU ms per authorization on `core`, sampled through the part (bench/floor-canary.ts). */
  floorMs: number;
  floorCalls: number;
  vsNativeFloor: number;
}

/** The floor canary (bench/floor-canary.ts), ready with the floor's inputs. */
interface Canary {
  child: ChildProcess;
  ask<T>(cmd: CanaryCommand, key: 'ready' | 'floor'): Promise<T>;
}

async function startCanary(inputs: FloorInputs): Promise<Canary & { ops: string[] }> {
  const child = fork(CANARY, [], {
    cwd: REPO,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const ask = asker<CanaryCommand>(child, 'the floor canary');
  const { ops } = await ask<{ ops: string[] }>({ inputs }, 'ready');
  return { child, ask, ops };
}

/**
 * A one-process phase against the floor on the same core at the same time. This machine's speed
 * moves under the bench (bench/floor-canary.ts): one gateway process's rounds of 600 authorizations
 * came out near 2.15 or near 3.0 main-thread CPU ms with the same system calls, page faults and
 * context switches. So the bodies go in `parts`, each run with the gateway's threads and the floor
 * canary pinned to one core (alternating) and the load generator on the others, and each part's
 * floor is what the canary measured on that core while the part ran. The phase's figure is the
 * pooled gateway CPU over the pooled floor of its parts.
 */
async function pairedPhase(
  proc: Proc,
  canary: Canary,
  kind: Kind,
  bodies: string[],
  connections: Level,
  parts: number,
): Promise<Omit<PhaseResult, 'setup' | 'kind'> & { floorMs: number; parts: PairedPart[] }> {
  const all = Array.from({ length: availableParallelism() }, (_, i) => i);
  const size = Math.floor(bodies.length / parts);
  assert(size > connections * 2, 'too few AuthReqs for the parts of a paired phase');
  const done: { part: PairedPart; r: Omit<PhaseResult, 'setup' | 'kind'> }[] = [];
  try {
    for (let i = 0; i < parts; i++) {
      const wanted = all.length > 1 ? all[i % all.length]! : null;
      const others = all.filter((c) => c !== wanted);
      const core =
        wanted !== null &&
        pin(proc.child.pid!, [wanted]) &&
        pin(canary.child.pid!, [wanted]) &&
        pin(process.pid, others)
          ? wanted
          : null;
      canary.child.send({ start: kind } satisfies CanaryCommand);
      const r = await phase([proc], bodies.slice(i * size, (i + 1) * size), connections, undefined);
      const floor = await canary.ask<FloorSample>({ stop: true }, 'floor');
      done.push({
        r,
        part: {
          core,
          authorizations: r.authorizations,
          gatewayCpuMsPerAuth: r.gatewayCpuMsPerAuth,
          floorMs: floor.cpuMs,
          floorCalls: floor.calls,
          vsNativeFloor: r.gatewayCpuMsPerAuth / floor.cpuMs,
        },
      });
    }
  } finally {
    for (const pid of [proc.child.pid!, canary.child.pid!, process.pid]) pin(pid, all);
  }
  const n = done.reduce((s, d) => s + d.r.authorizations, 0);
  return {
    ...pooled(done.map((d) => d.r)),
    floorMs: done.reduce((s, d) => s + d.part.floorMs * d.r.authorizations, 0) / n,
    parts: done.map((d) => d.part),
  };
}

type PhaseFigures = Omit<PhaseResult, 'setup' | 'kind'>;

/**
 * Parts of one phase as one: CPU and authorizations summed, auth/s over their summed wall time,
 * latency quantiles the parts' own weighted by their authorizations (as for two processes).
 */
function pooled(parts: PhaseFigures[]): PhaseFigures {
  const n = parts.reduce((s, r) => s + r.authorizations, 0);
  const sum = (f: (r: PhaseFigures) => number) => parts.reduce((s, r) => s + f(r), 0);
  const weighted = (f: (r: PhaseFigures) => number) => sum((r) => f(r) * r.authorizations) / n;
  const first = parts[0]!;
  return {
    connections: first.connections,
    ...(first.rate ? { rate: first.rate } : {}),
    processes: first.processes,
    authorizations: n,
    authPerSecond: n / sum((r) => r.authorizations / r.authPerSecond),
    latencyMs: {
      p50: weighted((r) => r.latencyMs.p50),
      p90: weighted((r) => r.latencyMs.p90),
      p99: weighted((r) => r.latencyMs.p99),
    },
    gatewayCpuMsPerAuth: weighted((r) => r.gatewayCpuMsPerAuth),
    postgresCpuMsPerAuth: weighted((r) => r.postgresCpuMsPerAuth),
    cpuMsPerAuth: weighted((r) => r.cpuMsPerAuth),
    notAuthRes: sum((r) => r.notAuthRes),
    errors: sum((r) => r.errors),
  };
}

/**
 * One process of the two loaded, then both, in alternating parts on the same database: the
 * two-process ratio from the same minutes of the machine. Measured as two setups a minute apart,
 * it was 1.08, 1.46 and 1.23 in three runs, the 1.46 with the bare server's own 2 ÷ 1 at 1.01:
 * the machine's speed had moved between them (bench/floor-canary.ts). Which goes first alternates.
 */
async function alternatingPhases(
  procs: Proc[],
  bodies: string[],
  connections: Level,
  pg: { admin: Database; name: string },
  parts: number,
): Promise<{ one: PhaseFigures; both: PhaseFigures }> {
  const size = Math.floor(bodies.length / (2 * parts));
  assert(size > connections * 2, 'too few AuthReqs for the parts of an alternating phase');
  const one: PhaseFigures[] = [];
  const both: PhaseFigures[] = [];
  for (let i = 0; i < 2 * parts; i++) {
    const slice = bodies.slice(i * size, (i + 1) * size);
    if ((i + Math.floor(i / 2)) % 2 === 0) one.push(await phase([procs[0]!], slice, connections, pg));
    else both.push(await phase(procs, slice, connections, pg));
  }
  return { one: pooled(one), both: pooled(both) };
}

export async function run(opts: GatewayOptions = {}): Promise<SuiteResult> {
  const log = opts.log ?? (() => {});
  // Phases long enough for the steady state: with 240 authorizations at c=16 the gateway's CPU per
  // authorization still carried ~1 ms of its compiler threads' work (JavaScript and PGlite's
  // WebAssembly tiering up), against ~0.8 ms once the process had run a thousand or so.
  const N = opts.quick ? { 1: 16, 16: 48 } : { 1: 200, 16: 1200 };
  // The PGlite phases in parts, each against the floor on its own core (pairedPhase).
  const PARTS: Record<Level, number> = opts.quick ? { 1: 2, 16: 2 } : { 1: 2, 16: 4 };
  // The two-process setup's returning c=16: one process loaded and both, in alternating parts.
  const ALTERNATING_PARTS = opts.quick ? 1 : 4;
  const postgresUrl = process.env.TEST_DATABASE_URL;
  const setups = [
    {
      name: 'PGlite, 1 process',
      backend: 'pglite' as const,
      processes: 1,
      levels: [1, 16] as Level[],
      paired: true,
    },
    ...(postgresUrl
      ? [
          {
            name: 'PostgreSQL, 1 process',
            backend: 'postgres' as const,
            processes: 1,
            levels: [1, 16] as Level[],
            paced: true,
          },
          {
            name: 'PostgreSQL, 2 processes',
            backend: 'postgres' as const,
            processes: 2,
            levels: [16] as Level[],
            paced: true,
            alternating: true,
          },
        ]
      : []),
  ];

  const world = makeWorld();
  const temp = mkdtempSync(join(tmpdir(), 'set-bench-gateway-'));
  const pkiDir = join(temp, 'pki');
  writePkiDir(world, pkiDir);

  // Every AuthReq first (untimed). A setup starts on a fresh database, so each reuses the same set.
  const tGen = performance.now();
  // Dated a little ahead, so that the whole run stays inside the gateway's freshness window.
  world.clock.now = new Date(Date.now() + 4 * 60_000);
  const merchant = new TestMerchant(world);
  const need = (level: Level) => N[level] + PARTS[level] * level * 2;
  const sets: Record<Kind, Record<Level, string[]>> = {
    returning: { 1: [], 16: [] },
    new: { 1: [], 16: [] },
  };
  for (const kind of ['returning', 'new'] as const)
    for (const level of [1, 16] as const)
      sets[kind][level] = await buildBodies(world, merchant, kind, need(level));
  // One and two processes at the same offered rate, well below what one process answers flat out:
  // what a second process costs per authorization without this 2-core machine being saturated
  // (flat out, one process and the load generator already keep both cores busy).
  const PACED = { rate: 200, count: opts.quick ? 48 : 600 };
  const paced = postgresUrl ? await buildBodies(world, merchant, 'returning', PACED.count + 32) : [];
  const alternate = postgresUrl
    ? await buildBodies(world, merchant, 'returning', 2 * (N[16] + ALTERNATING_PARTS * 16 * 2))
    : [];
  // Per process and kind: enough for each process to reach its steady state before any timing.
  // Measured in one PGlite process over rounds of 1,000 authorizations after 400: 3.91, 2.94,
  // 2.64, 2.57, 2.59 CPU ms each, the part off the main thread (V8's compiler and GC threads,
  // tiering up PGlite's WebAssembly and our JavaScript) 0.82, 0.38, 0.27, 0.23, 0.16 ms. With
  // 160 of each kind, the c=16 phases measured the second round. Built for the most processes a
  // setup has; the database connections a process uses at c=16 are opened too.
  const WARM_UP: Record<Kind, number> = opts.quick
    ? { returning: 64, new: 64 }
    : { returning: 2400, new: 400 };
  const mostProcesses = Math.max(...setups.map((s) => s.processes));
  const warmUp: Bodies = {
    returning: await buildBodies(world, merchant, 'returning', WARM_UP.returning * mostProcesses),
    new: await buildBodies(world, merchant, 'new', WARM_UP.new * mostProcesses),
  };
  const generationMs = performance.now() - tGen;
  log(
    `  built ${warmUp.returning.length + warmUp.new.length + 2 * (need(1) + need(16)) + paced.length + alternate.length} distinct AuthReqs in ${(generationMs / 1000).toFixed(1)} s`,
  );

  // The native floor's inputs: the real envelope and sizes of one AuthReq and its AuthRes.
  const sample = JSON.parse(sets.returning[1][0]!) as {
    body: { sealed: { enc: string; ct: string }; baggage: string };
    certs: string[];
  };
  const baggage = fromB64u(sample.body.baggage);
  const piSealed = findSealed(JSON.parse(new TextDecoder().decode(baggage)));
  assert(piSealed, 'the PI baggage holds no sealed PIData');
  const floorInputs = (authResBytes: number): FloorInputs => ({
    gatewayKx: world.gatewayKx.privateKey,
    gatewayKxPublic: world.gatewayKx.certificate.publicKey,
    gatewaySig: { privateKey: world.gateway.privateKey, publicKey: world.gateway.certificate.publicKey },
    merchantKxPublic: world.merchantKx.certificate.publicKey,
    baggage,
    envelope: { enc: fromB64u(sample.body.sealed.enc), ct: fromB64u(sample.body.sealed.ct) },
    pi: { enc: fromB64u(piSealed.enc), ct: fromB64u(piSealed.ct) },
    carriedCerts: sample.certs.map((c) => fromB64u(c)),
    sizes: { merchantTbs: 484, piTbs: 77, capToken: 300, authRes: authResBytes, certTbs: 560 },
  });
  /** The floor's process (bench/floor-canary.ts) and what it does per authorization. */
  let canary: (Canary & { ops: string[] }) | undefined;
  /** The floor's inputs and a real AuthRes, for the bare server. */
  let bareInputs: { floor: FloorInputs; answer: string } | undefined;
  const floorRuns: { returning: number[]; new: number[] } = { returning: [], new: [] };
  const floorWall: { returning: number[]; new: number[] } = { returning: [], new: [] };
  const measureFloor = async () => {
    if (!canary) return;
    // Interleaved batches, so a busier moment of the shared machine hits both kinds alike.
    const calls = opts.quick ? 40 : 300;
    for (let b = 0; b < 3; b++) {
      for (const kind of ['returning', 'new'] as const) {
        const r = await canary.ask<FloorSample>({ measure: kind, calls }, 'floor');
        floorRuns[kind].push(r.cpuMs);
        floorWall[kind].push(r.wallMs);
      }
    }
  };

  const phases: PhaseResult[] = [];
  const ledger: { setup: string; rows: number; expected: number }[] = [];
  const admin = postgresUrl ? await openDatabase({ url: postgresUrl }) : undefined;
  try {
    for (const setup of setups) {
      log(`  ${setup.name}…`);
      let dbName: string | undefined;
      let where: { url?: string; dataDir?: string };
      if (setup.backend === 'postgres') {
        dbName = `setwallet_bench_${randomBytes(6).toString('hex')}`;
        await admin!.exec(`CREATE DATABASE ${dbName}`);
        const u = new URL(postgresUrl!);
        u.pathname = `/${dbName}`;
        where = { url: u.href };
      } else {
        where = { dataDir: join(temp, `pglite-${phases.length}`) };
      }
      // Processes start one after the other: the first creates the ledger's tables.
      const procs: Proc[] = [];
      try {
        for (let i = 0; i < setup.processes; i++) procs.push(await startProcess(pkiDir, where));
        // Warm-up (untimed): JIT, the validated-chain cache, the database's caches and connections,
        // at c=16 spread over the processes as in the phases. Its first AuthRes, read on its own,
        // gives the floor its sizes and the bare server its answer.
        const first = warmUp.returning[0]!;
        const res = await fetch(`${procs[0]!.url}/set`, { method: 'POST', body: first });
        const answer = await res.text();
        assert(res.status === 200 && answer.includes('"type":"AuthRes"'), `warm-up: ${answer.slice(0, 300)}`);
        if (!canary) {
          const sealed = (JSON.parse(answer) as { body: { sealed: { ct: string } } }).body.sealed;
          const inputs = floorInputs(fromB64u(sealed.ct).length - 16 - 64);
          canary = await startCanary(inputs);
          bareInputs = { floor: inputs, answer };
        }
        let expected = 1;
        for (const kind of ['returning', 'new'] as const) {
          const list = warmUp[kind].slice(kind === 'returning' ? 1 : 0, WARM_UP[kind] * procs.length);
          const warm = await phase(procs, list, 16, undefined);
          assert(
            warm.notAuthRes + warm.errors === 0,
            `warm-up (${kind}): ${warm.notAuthRes + warm.errors} replies were not an AuthRes`,
          );
          expected += warm.authorizations;
        }
        // After the warm-up, not inside it, so that the floor's first batches do not share the
        // machine with it.
        if (floorRuns.returning.length === 0) await measureFloor();
        const pg = dbName ? { admin: admin!, name: dbName } : undefined;
        for (const kind of ['returning', 'new'] as const) {
          for (const level of setup.levels) {
            if ('alternating' in setup && kind === 'returning' && level === 16) {
              const { one, both } = await alternatingPhases(procs, alternate, level, pg!, ALTERNATING_PARTS);
              expected += one.authorizations + both.authorizations;
              phases.push({ setup: ONE_OF_TWO, kind, ...one }, { setup: setup.name, kind, ...both });
              log(
                `    ${kind} c=${level}, alternating 1 and 2 loaded: ${one.authPerSecond.toFixed(0)} and ${both.authPerSecond.toFixed(0)} auth/s, ` +
                  `${one.cpuMsPerAuth.toFixed(2)} and ${both.cpuMsPerAuth.toFixed(2)} CPU ms/auth`,
              );
              continue;
            }
            const r =
              'paired' in setup && setup.paired
                ? await pairedPhase(procs[0]!, canary!, kind, sets[kind][level], level, PARTS[level])
                : await phase(procs, sets[kind][level], level, pg);
            expected += r.authorizations;
            phases.push({ setup: setup.name, kind, ...r });
            log(
              `    ${kind} c=${level}: ${r.authPerSecond.toFixed(0)} auth/s, ${r.cpuMsPerAuth.toFixed(2)} CPU ms/auth` +
                ('floorMs' in r && r.floorMs
                  ? `, ${(r.cpuMsPerAuth / r.floorMs).toFixed(2)}× its floor`
                  : ''),
            );
          }
        }
        if ('paced' in setup && setup.paced) {
          const r = await phase(procs, paced, 16, pg, PACED.rate);
          expected += r.authorizations;
          phases.push({ setup: setup.name, kind: 'returning', ...r });
          log(
            `    returning c=16 at ${PACED.rate}/s: ${r.authPerSecond.toFixed(0)} auth/s, ${r.cpuMsPerAuth.toFixed(2)} CPU ms/auth`,
          );
        }
        // autocannon may send a body built ahead before it stops: count what each ledger holds.
        let rows = 0;
        for (const p of procs)
          rows = Math.max(
            rows,
            (await p.ask<{ authorizations: number }>({ cmd: 'counts' }, 'counts')).authorizations,
          );
        ledger.push({ setup: setup.name, rows, expected });
      } finally {
        for (const p of procs) await stopProcess(p);
        if (dbName) await admin!.exec(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      }
      await measureFloor();
    }
    // The machine's own 2 ÷ 1: the bare server (bench/bare-server.ts) as 1 and 2 processes at the
    // same offered rate as the paced phases, each on a fresh database, warmed up as the gateway was.
    if (admin && bareInputs) {
      const inputsFile = join(temp, 'bare-inputs.json');
      writeBareInputs(inputsFile, { ...bareInputs, eventBytes: 400 });
      for (const processes of [1, 2]) {
        const name = `Bare server, ${processes} process${processes > 1 ? 'es' : ''}`;
        log(`  ${name}…`);
        const dbName = `setwallet_bench_${randomBytes(6).toString('hex')}`;
        await admin.exec(`CREATE DATABASE ${dbName}`);
        const u = new URL(postgresUrl!);
        u.pathname = `/${dbName}`;
        const procs: Proc[] = [];
        try {
          const db = await openDatabase({ url: u.href });
          await db.exec(BARE_TABLE);
          await db.close();
          for (let i = 0; i < processes; i++) procs.push(await startBareProcess(inputsFile, u.href));
          const warm = await phase(
            procs,
            warmUp.returning.slice(0, WARM_UP.returning * processes),
            16,
            undefined,
          );
          const r = await phase(procs, paced, 16, { admin, name: dbName }, PACED.rate);
          phases.push({ setup: name, kind: 'returning', ...r });
          log(
            `    returning c=16 at ${PACED.rate}/s: ${r.authPerSecond.toFixed(0)} req/s, ${r.cpuMsPerAuth.toFixed(2)} CPU ms/req`,
          );
          const rows = (await procs[0]!.ask<{ authorizations: number }>({ cmd: 'counts' }, 'counts'))
            .authorizations;
          ledger.push({ setup: name, rows, expected: warm.authorizations + r.authorizations });
        } finally {
          for (const p of procs) await stopProcess(p);
          await admin.exec(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        }
      }
    }
  } finally {
    canary?.child.send({ exit: true } satisfies CanaryCommand);
    await admin?.close();
    rmSync(temp, { recursive: true, force: true });
  }

  assert(canary, 'no authorization answered');
  const floorMs = { returning: median(floorRuns.returning), new: median(floorRuns.new) };
  const find = (setup: string, kind: Kind, c: Level, rate?: number) =>
    phases.find((p) => p.setup === setup && p.kind === kind && p.connections === c && p.rate === rate);
  const base = setups[0]!.name;
  // The headline: PGlite, one process, c=16 (the sandbox's configuration under load).
  const headline = { returning: find(base, 'returning', 16)!, new: find(base, 'new', 16)! };
  const floorOf = (p: PhaseResult) => p.floorMs ?? floorMs[p.kind];
  const vs = {
    returning: headline.returning.cpuMsPerAuth / floorOf(headline.returning),
    new: headline.new.cpuMsPerAuth / floorOf(headline.new),
  };
  const one = find(ONE_OF_TWO, 'returning', 16);
  const two = find('PostgreSQL, 2 processes', 'returning', 16);
  const twoProcessCpuRatio = one && two ? two.cpuMsPerAuth / one.cpuMsPerAuth : null;
  const twoProcessAuthRatio = one && two ? two.authPerSecond / one.authPerSecond : null;
  const onePaced = find('PostgreSQL, 1 process', 'returning', 16, PACED.rate);
  const twoPaced = find('PostgreSQL, 2 processes', 'returning', 16, PACED.rate);
  const twoProcessCpuRatioPaced = onePaced && twoPaced ? twoPaced.cpuMsPerAuth / onePaced.cpuMsPerAuth : null;
  const oneBare = find('Bare server, 1 process', 'returning', 16, PACED.rate);
  const twoBare = find('Bare server, 2 processes', 'returning', 16, PACED.rate);
  const bareTwoProcessCpuRatio = oneBare && twoBare ? twoBare.cpuMsPerAuth / oneBare.cpuMsPerAuth : null;
  // The gateway against a server doing the same native work with nothing of ours, one process each.
  const vsBare = onePaced && oneBare ? onePaced.cpuMsPerAuth / oneBare.cpuMsPerAuth : null;
  const notAuthRes = phases.reduce((s, p) => s + p.notAuthRes + p.errors, 0);
  const missing = ledger.reduce((s, l) => s + Math.max(0, l.expected - l.rows), 0);

  const checks: Check[] = [
    {
      name: 'gatewayCpuVsNativeReturning',
      value: vs.returning,
      target: TARGETS.returning,
      pass: vs.returning <= TARGETS.returning,
    },
    { name: 'gatewayCpuVsNativeNew', value: vs.new, target: TARGETS.new, pass: vs.new <= TARGETS.new },
    ...(twoProcessCpuRatio !== null
      ? [
          {
            name: 'twoProcessCpuRatio',
            value: twoProcessCpuRatio,
            target: TARGETS.twoProcessCpu,
            pass: twoProcessCpuRatio <= TARGETS.twoProcessCpu,
          },
          {
            name: 'twoProcessAuthPerSecondRatio',
            value: twoProcessAuthRatio!,
            target: 1,
            atLeast: true,
            pass: twoProcessAuthRatio! >= 1,
          },
        ]
      : []),
    { name: 'repliesNotAuthRes', value: notAuthRes, target: 0, pass: notAuthRes === 0 },
    { name: 'ledgerRowsMissing', value: missing, target: 0, pass: missing === 0 },
  ];
  const f2 = (n: number) => n.toFixed(2);
  const rows = phases.map((p) => {
    const fl = floorOf(p);
    return [
      `${p.setup}, ${p.kind}, c=${p.connections}${p.rate ? ` at ${p.rate}/s` : ''}`,
      p.authPerSecond.toFixed(0),
      p.latencyMs.p50.toFixed(0),
      p.latencyMs.p99.toFixed(0),
      f2(p.gatewayCpuMsPerAuth),
      p.postgresCpuMsPerAuth ? f2(p.postgresCpuMsPerAuth) : '',
      f2(p.cpuMsPerAuth),
      f2(fl),
      `${(p.cpuMsPerAuth / fl).toFixed(1)}×`,
    ];
  });
  return {
    title: `Gateway under load (autocannon, real HTTP), CPU per authorization against the native floor (targets: ≤ ${TARGETS.returning}× returning, ≤ ${TARGETS.new}× new, 2 processes ≤ ${TARGETS.twoProcessCpu}× 1)`,
    table: {
      head: [
        'setup, cardholder, connections',
        'auth/s',
        'p50 ms',
        'p99 ms',
        'gw CPU ms',
        'pg CPU ms',
        'CPU ms/auth',
        'floor ms',
        'vs floor',
      ],
      rows: [
        ...rows,
        [
          'native floor, returning (node:crypto)',
          (1000 / floorMs.returning).toFixed(0),
          '',
          '',
          '',
          '',
          f2(floorMs.returning),
          f2(floorMs.returning),
          '1×',
        ],
        [
          'native floor, new cardholder',
          (1000 / floorMs.new).toFixed(0),
          '',
          '',
          '',
          '',
          f2(floorMs.new),
          f2(floorMs.new),
          '1×',
        ],
      ],
    },
    notes: [
      'CPU ms/auth = gateway processes’ process.cpuUsage() (user + system, read over IPC) + PostgreSQL backends’',
      'utime + stime (/proc), over the phase, ÷ authorizations. The floor: the same cryptography with node:crypto,',
      'one authorization after another in a process of its own (its auth/s is 1000 ÷ its CPU ms on one core).',
      'PGlite rows are paired: run in parts, the gateway and a floor canary pinned to one core (alternating), autocannon',
      'to the other; each part’s floor is what the canary measured on that core during the part (bench/floor-canary.ts:',
      'this machine’s speed moves within a run). The other rows’ floor: measured between setups (median).',
      'Bare server: node:http, the floor’s node:crypto and one prepared INSERT of a row holding the AuthRes per request',
      '(bench/bare-server.ts), nothing of ours: its 2 ÷ 1 is what this machine charges for a second process.',
      `Headline ratios: PGlite, 1 process, c=16: returning ${vs.returning.toFixed(2)}×, new ${vs.new.toFixed(2)}×` +
        (twoProcessCpuRatio !== null
          ? `; PostgreSQL c=16, 2 processes ÷ 1 of them (alternating parts): CPU ${twoProcessCpuRatio.toFixed(2)}×, auth/s ${twoProcessAuthRatio!.toFixed(2)}×` +
            (twoProcessCpuRatioPaced !== null
              ? `; at ${PACED.rate}/s offered to both: CPU ${twoProcessCpuRatioPaced.toFixed(2)}×` +
                (bareTwoProcessCpuRatio !== null
                  ? ` (the bare server's own 2 ÷ 1 at that rate: ${bareTwoProcessCpuRatio.toFixed(2)}×); ` +
                    `1 process at that rate ÷ the bare server's: ${vsBare!.toFixed(2)}×.`
                  : '.')
              : '.')
          : '; no TEST_DATABASE_URL: PostgreSQL setups skipped.'),
      `Headline parts, core: gateway ÷ floor CPU ms: ${(['returning', 'new'] as const)
        .map(
          (k) =>
            `${k} ${(headline[k].parts ?? [])
              .map(
                (x) =>
                  `${x.core ?? '?'}: ${f2(x.gatewayCpuMsPerAuth)} ÷ ${f2(x.floorMs)} (${x.floorCalls} calls) = ${x.vsNativeFloor.toFixed(2)}×`,
              )
              .join(', ')}`,
        )
        .join('; ')}.`,
      `Replies not AuthRes (or failed): ${notAuthRes}; ledger rows ${ledger.map((l) => `${l.rows}/${l.expected}`).join(', ')}.`,
    ],
    checks,
    figures: {
      nativeFloor: {
        // What the headline ratios divide by: the floor sampled on the gateway's core during the
        // PGlite c=16 phases (pairedPhase).
        cpuMsPerAuthorization: { returning: floorOf(headline.returning), new: floorOf(headline.new) },
        // Measured between the setups (the median of `runs`): the other rows' floor.
        betweenSetupsCpuMsPerAuthorization: floorMs,
        runs: floorRuns,
        wallMsPerAuthorization: { returning: median(floorWall.returning), new: median(floorWall.new) },
        ops: canary.ops,
        with: 'node:crypto (OpenSSL), synchronous, keys imported once',
      },
      phases: phases.map((p) => ({
        ...p,
        nativeFloorCpuMsPerAuth: floorOf(p),
        vsNativeFloor: p.cpuMsPerAuth / floorOf(p),
      })),
      summary: {
        gatewayCpuVsNativeReturning: vs.returning,
        gatewayCpuVsNativeNew: vs.new,
        twoProcessCpuRatio,
        twoProcessAuthPerSecondRatio: twoProcessAuthRatio,
        twoProcessCpuRatioAtEqualRate: twoProcessCpuRatioPaced,
        bareServerTwoProcessCpuRatioAtEqualRate: bareTwoProcessCpuRatio,
        gatewayCpuVsBareServerAtEqualRate: vsBare,
        equalRate: PACED.rate,
      },
      ledger,
      authReqGenerationMs: generationMs,
      targets: TARGETS,
    },
  };
}

/** The first `{ enc, ct }` object inside a parsed JSON value (the sealed PIData in the PI). */
function findSealed(v: unknown): { enc: string; ct: string } | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.enc === 'string' && typeof o.ct === 'string') return { enc: o.enc, ct: o.ct };
  for (const x of Object.values(o)) {
    const found = findSealed(x);
    if (found) return found;
  }
  return undefined;
}

/**
 * Where the gateway's CPU goes under the bench's load: one gateway process (bench/gateway-process.ts)
 * started with `node --cpu-prof`, warmed up, then `--n` distinct AuthReqs of one cardholder kind
 * from autocannon at `--c` connections. Prints the self time by function and by area (WebCrypto,
 * PGlite, JSON, base64url, …) over the timed part only, and leaves the .cpuprofile in `--out`
 * (open it in Chrome DevTools' Performance panel).
 *
 *   npx tsx bench/profile-gateway.ts --kind=returning|new [--n=200] [--c=16] [--database-url=URL] [--out=DIR]
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { writePkiDir } from '../tests/support/gateway-process.ts';
import { makeWorld, TestMerchant } from '../tests/support/world.ts';
import { buildBodies, type Kind, startProcess, stopProcess } from './gateway.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * What a sample was doing, from its whole stack (innermost first match wins): a WebCrypto call's
 * JavaScript half counts as cryptography, a PGlite call's file writes as PGlite, and so on.
 */
const CATEGORIES: [string, (url: string) => boolean][] = [
  [
    'PGlite (JS, WebAssembly, its file I/O)',
    (u) => u.includes('@electric-sql/pglite') || u.startsWith('wasm:'),
  ],
  ['node-postgres', (u) => u.includes('node_modules/pg')],
  [
    'cryptography (WebCrypto calls, noble hashes)',
    (u) => /^node:internal\/crypto|src\/protocol\/primitives|@noble/.test(u),
  ],
  ['certificate parsing (asn1)', (u) => /src\/protocol\/pki\/certificate|@peculiar|asn1js/.test(u)],
  [
    'HTTP (node:http, Request/streams, Hono)',
    (u) => /^node:_http|^node:net|undici|webstreams|^node:internal\/streams|hono/.test(u),
  ],
  ['JSON and schemas (valibot)', (u) => /valibot|src\/protocol\/messages\/fields/.test(u)],
  ['encodings (base64url, hex, UTF-8)', (u) => /src\/protocol\/encoding/.test(u)],
];

function categoryOf(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): string {
  const own = byId.get(id)!.callFrame;
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const url = byId.get(at)!.callFrame.url;
    for (const [name, test] of CATEGORIES) if (test(url)) return name;
  }
  if (own.functionName === '(garbage collector)') return 'garbage collection';
  if (own.functionName === '(program)') return '(program: native, unattributed)';
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const url = byId.get(at)!.callFrame.url;
    if (url.includes('/src/')) return `other src: ${url.replace(/^.*\/src\//, '')}`;
  }
  return `other: ${own.url || own.functionName}`;
}

/** Self time (ms) per node over samples whose timestamp lies in [from, to] (µs, the profile's clock). */
function selfTimes(p: Profile, from: number, to: number): Map<number, number> {
  const out = new Map<number, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    if (t < from || t > to) continue;
    const next = p.timeDeltas[i + 1] ?? 0;
    out.set(p.samples[i]!, (out.get(p.samples[i]!) ?? 0) + next / 1000);
  }
  return out;
}

function report(p: Profile, window: { from: number; to: number }, authorizations: number): void {
  const self = selfTimes(p, window.from, window.to);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let total = 0;
  for (const [id, ms] of self) if (byId.get(id)!.callFrame.functionName !== '(idle)') total += ms;
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  // Inclusive time of selected markers: a frame counts once per sample even if recursive.
  const inclusive = new Map<string, number>();
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    const area = categoryOf(id, byId, parent);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${f.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const fr = byId.get(at)!.callFrame;
      if (!fr.url.includes('/src/')) continue;
      const k = `${fr.functionName || '(anonymous)'} ${fr.url.replace(/^.*\/src\//, 'src/')}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  }
  const per = (ms: number) =>
    `${(ms / authorizations).toFixed(3)} ms/auth  ${((100 * ms) / total).toFixed(1)}%`;
  console.log(
    `\nBusy (not idle) ${total.toFixed(0)} ms over ${authorizations} authorizations: ${per(total)}`,
  );
  console.log('\nBy what the stack was doing:');
  for (const [k, v] of [...areas].sort((a, b) => b[1] - a[1])) console.log(`  ${per(v)}  ${k}`);
  console.log('\nTop functions (self time):');
  for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${per(v)}  ${k}`);
  console.log('\nTop src/ functions (inclusive time):');
  for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`  ${per(v)}  ${k}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string', default: 'returning' },
      n: { type: 'string', default: '200' },
      c: { type: 'string', default: '16' },
      'database-url': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const kind = values.kind as Kind;
  if (kind !== 'returning' && kind !== 'new') throw new Error('--kind is returning or new');
  const n = Number(values.n);
  const c = Number(values.c);
  const temp = mkdtempSync(join(tmpdir(), 'set-bench-profile-'));
  const out = resolve(values.out ?? join(temp, 'profile'));
  mkdirSync(out, { recursive: true });
  const world = makeWorld();
  world.clock.now = new Date(Date.now() + 4 * 60_000);
  writePkiDir(world, join(temp, 'pki'));
  const merchant = new TestMerchant(world);
  const warm = await buildBodies(world, merchant, kind, 24);
  const bodies = await buildBodies(world, merchant, kind, n + 2 * c);
  const db = values['database-url'] ? { url: values['database-url'] } : { dataDir: join(temp, 'pglite') };
  const proc = await startProcess(join(temp, 'pki'), db, ['--cpu-prof', `--cpu-prof-dir=${out}`]);
  let window = { from: 0, to: 0 };
  try {
    for (const body of warm) {
      const res = await fetch(`${proc.url}/set`, { method: 'POST', body });
      if (!(await res.text()).includes('"type":"AuthRes"')) throw new Error('warm-up: not an AuthRes');
    }
    // The profile's clock is the child's performance timeline (µs since its start): bracket the
    // timed part with the child's own readings.
    const before = await proc.ask<{ cpuUs: number; nowUs: number }>({ cmd: 'usage' }, 'usage');
    let next = 0;
    let bad = 0;
    await autocannon({
      url: proc.url,
      connections: c,
      amount: n,
      requests: [
        {
          method: 'POST',
          path: '/set',
          setupRequest: (req) => ({ ...req, body: bodies[next++]! }),
          onResponse: (status, body) => {
            if (status !== 200 || !body.includes('"type":"AuthRes"')) bad++;
          },
        },
      ],
    });
    const after = await proc.ask<{ cpuUs: number; nowUs: number }>({ cmd: 'usage' }, 'usage');
    window = { from: before.nowUs, to: after.nowUs };
    console.log(
      `${kind}, c=${c}: ${n} authorizations, ${bad} not AuthRes, gateway CPU ${((after.cpuUs - before.cpuUs) / 1000 / n).toFixed(2)} ms/auth`,
    );
  } finally {
    await stopProcess(proc);
  }
  // The largest profile is the main thread's (tsx's loader thread writes a small one too).
  const file = readdirSync(out)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort((a, b) => statSync(join(out, b)).size - statSync(join(out, a)).size)[0];
  if (!file) throw new Error('no .cpuprofile written');
  report(JSON.parse(readFileSync(join(out, file), 'utf8')) as Profile, window, n);
  console.log(`\nProfile: ${join(out, file)}`);
  if (!values.out) rmSync(join(temp, 'pglite'), { recursive: true, force: true });
}

await main();

/**
 * The machine's own cost of a second server process (bench/gateway.ts): a bare authorization
 * server with nothing of ours in it. For each POST it reads the body, performs the native floor's
 * cryptography for one authorization (bench/native-floor.ts, node:crypto), runs one prepared
 * INSERT of a row holding a real AuthRes (4.3 kB) through node-postgres (pool of 8, as the gateway's),
 * and answers a real AuthRes's bytes. No SET parsing, no schemas, no ledger logic.
 *
 * Run as 1 and as 2 processes sharing one PostgreSQL database at the same offered rate, its CPU
 * per request (server processes plus PostgreSQL backends) rises by what this 2-core machine charges
 * for the second process: more processes than cores between the load generator, the servers and
 * PostgreSQL, each woken for fewer requests at a time. The gateway's own 2 ÷ 1 ratio is read against it.
 *
 *   fork('bench/bare-server.ts', ['--inputs', FILE, '--database-url', URL], { execArgv: ['--import', 'tsx'] })
 *
 * FILE is JSON written by `writeBareInputs`. It speaks bench/server-ipc.ts over the IPC channel.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type FloorInputs, prepareFloor } from './native-floor.ts';
import { answerBench } from './server-ipc.ts';

/** The table the bare server writes (created by the bench before the servers start). */
export const BARE_TABLE = `CREATE TABLE bare_authorizations (
  xid text PRIMARY KEY, response text NOT NULL, event text NOT NULL, created_at timestamptz NOT NULL)`;

interface BareInputs {
  floor: FloorInputs;
  /** A real AuthRes, answered to every request. */
  answer: string;
  /** The event a ledger row carries beside the response, at its real size. */
  eventBytes: number;
}

/** Writes what the bare server needs to `file` (Uint8Arrays as base64). */
export function writeBareInputs(file: string, inputs: BareInputs): void {
  writeFileSync(
    file,
    JSON.stringify(inputs, (_k, v: unknown) =>
      v instanceof Uint8Array ? { b64: Buffer.from(v).toString('base64') } : v,
    ),
  );
}

function readBareInputs(file: string): BareInputs {
  return JSON.parse(readFileSync(file, 'utf8'), (_k, v: unknown) =>
    v && typeof v === 'object' && 'b64' in v
      ? new Uint8Array(Buffer.from(String((v as { b64: string }).b64), 'base64'))
      : v,
  ) as BareInputs;
}

const MAX_BODY = 1 << 20;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { inputs: { type: 'string' }, 'database-url': { type: 'string' } },
  });
  if (!values.inputs || !values['database-url'] || !process.send)
    throw new Error('bench/bare-server: --inputs, --database-url and an IPC channel are required');
  const inputs = readBareInputs(values.inputs);
  const floor = prepareFloor(inputs.floor);
  const event = 'e'.repeat(inputs.eventBytes);
  const pool = new pg.Pool({ connectionString: values['database-url'], max: 8 });
  const insert = {
    name: 'bare_insert',
    text: 'INSERT INTO bare_authorizations (xid, response, event, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      floor.returning();
      const xid = createHash('sha256').update(body).digest('base64url');
      pool
        .query({ ...insert, values: [xid, inputs.answer, event, new Date().toISOString()] })
        .then(() => {
          res.writeHead(200, {
            'cache-control': 'no-store',
            'content-type': 'application/json; charset=utf-8',
            'content-length': String(Buffer.byteLength(inputs.answer)),
          });
          res.end(inputs.answer);
        })
        .catch((e: unknown) => {
          res.writeHead(500).end(String(e));
        });
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () =>
    answerBench((server.address() as AddressInfo).port, {
      counts: async () =>
        Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM bare_authorizations')).rows[0]!.n),
      stop: () => {
        server.close();
        server.closeAllConnections();
        return pool.end();
      },
    }),
  );
}

// Run as a forked server only: bench/gateway.ts imports BARE_TABLE and writeBareInputs from here.
if (process.argv[1] === fileURLToPath(import.meta.url))
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });

/**
 * A PostgreSQL cluster of the test's own (initdb into a temporary folder, a free port), for the
 * fault tests that stop the server with `-m immediate` or restart it: the shared server on 5432
 * is never touched. Available when TEST_DATABASE_URL is set (CI installs PostgreSQL and sets it)
 * and the server binaries are under /usr/lib/postgresql/<version>/bin. As root, the cluster runs
 * as the `postgres` user, since PostgreSQL refuses to run as root.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POSTGRES_URL } from './databases.ts';

function serverBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

const BIN = serverBin();
const ROOT = process.getuid?.() === 0;
const POSTGRES_USER = ROOT ? userIds('postgres') : undefined;

/** True when a private cluster can be started here. */
export const PRIVATE_POSTGRES = Boolean(POSTGRES_URL && BIN && (!ROOT || POSTGRES_USER));

function userIds(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return Number.isSafeInteger(uid) && Number.isSafeInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PrivatePostgres {
  /** postgres://…/setwallet on the private port. */
  url: string;
  port: number;
  /** `pg_ctl stop -m immediate`: every connection drops at once, nothing is shut down cleanly. */
  crash(): void;
  /** Starts the server again on the same port and data. */
  start(): void;
  /** Stops the server and deletes its folder. */
  remove(): void;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  if (!PRIVATE_POSTGRES || !BIN) throw new Error('no PostgreSQL binaries or TEST_DATABASE_URL');
  const dir = mkdtempSync(join(tmpdir(), 'setwallet-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asOwner = { ...(POSTGRES_USER ? POSTGRES_USER : {}), stdio: 'pipe' as const };
  if (POSTGRES_USER) {
    chownSync(dir, POSTGRES_USER.uid, POSTGRES_USER.gid);
    chmodSync(dir, 0o700);
  }
  const run = (tool: string, args: string[]) => execFileSync(join(BIN, tool), args, asOwner);
  run('initdb', ['-D', data, '-U', 'setwallet', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-w',
      '-t',
      '60',
      '-l',
      join(dir, 'log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  start();
  run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'setwallet', 'setwallet']);
  return {
    url: `postgres://setwallet@127.0.0.1:${port}/setwallet`,
    port,
    crash: () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    start,
    remove: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One interface over PGlite and node-postgres: parameterised queries and transactions. A lost
 * connection to PostgreSQL (server stopped, restarted, or the backend terminated) fails only the
 * statement or transaction that was using it, with DatabaseUnavailableError; the process stays up
 * and the next query opens a new connection, so service resumes by itself when the server is back.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { openPglite } from './pglite.ts';

export type Row = Record<string, unknown>;

export interface Sql {
  /** Runs one parameterised statement ($1, $2, …) and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * SQL text → its statement's number and generation, for statements declared with `prepared`
 * (PostgreSQL only). The name is `set_<number>_<generation>`; a new generation is a new statement.
 */
const PREPARED = new Map<string, { id: number; generation: number }>();

/**
 * Declares `sql` a statement worth preparing once per connection, and returns it unchanged. On a
 * PostgreSQL server, node-postgres then sends it as a named statement: the server parses it once
 * per connection (and settles on a generic plan after five runs) instead of parsing and planning
 * it on every run, and only its parameters cross the socket (issue 11: with the gateway's
 * authorization insert prepared, a 28-parameter statement, PostgreSQL's CPU per authorization went
 * from 0.94–1.22 to 0.68–0.84 ms, and the gateway's own from 2.4–2.8 to 1.9–2.15 ms). PGlite prepares every statement already (pglite.ts). For module-level constants only:
 * each distinct text holds a prepared statement on every connection for the connection's life.
 */
export function prepared(sql: string): string {
  if (!PREPARED.has(sql)) PREPARED.set(sql, { id: PREPARED.size + 1, generation: 1 });
  return sql;
}

/** node-postgres's query config: named when `sql` was declared `prepared`. */
function pgQuery(sql: string, values: unknown[]): { text: string; values: unknown[]; name?: string } {
  const p = PREPARED.get(sql);
  return p ? { name: `set_${p.id}_${p.generation}`, text: sql, values } : { text: sql, values };
}

/**
 * True when a prepared statement's result columns changed under it (SQLSTATE 0A000, "cached plan
 * must not change result type": another process migrated the schema while a connection kept the
 * statement). Its next run, on any connection, is then a new statement under a new name.
 */
function stalePlan(e: unknown, sql: string): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  const p = PREPARED.get(sql);
  if (!p || err?.code !== '0A000' || !/cached plan must not change result type/.test(String(err.message)))
    return false;
  p.generation++;
  return true;
}

export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Runs several statements with no parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A postgres:// URL: use that server (several processes may share it). */
  url?: string;
  /** Otherwise PGlite in this folder; omit both for an in-memory PGlite (tests). */
  dataDir?: string;
  /**
   * PGlite only: a new database starts from this tarball of a new one (PGlite's
   * `dumpDataDir('none')`) instead of initdb (tests/support/databases.ts makes one per machine).
   */
  template?: string;
}

/**
 * The database could not be reached, or the connection broke mid-statement: nothing was committed
 * by the failed call (a COMMIT that broke is never acknowledged, and PostgreSQL rolls back what it
 * did not commit). The caller answers HTTP 503 with Retry-After, and a retry may succeed.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  /** Marks a failure worth retrying later; sites that cannot import src/storage test this flag. */
  readonly temporary = true;
  readonly retryAfterSeconds = 2;
  constructor(readonly causeMessage: string) {
    super(`the database is unavailable (${causeMessage}); retry shortly`);
  }
}

/** True for failures that say the connection, not the statement, is at fault. */
export function isConnectionFailure(e: unknown): boolean {
  if (e instanceof DatabaseUnavailableError) return true;
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  // SQLSTATE class 08 (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect
  // now), and the socket errors node-postgres passes through.
  if (/^08|^57P0[1-3]$/.test(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code))
    return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|terminating connection/i.test(
    message,
  );
}

/** Re-throws a connection failure as DatabaseUnavailableError, anything else unchanged. */
function unavailable(e: unknown): unknown {
  if (e instanceof DatabaseUnavailableError || !isConnectionFailure(e)) return e;
  return new DatabaseUnavailableError(e instanceof Error ? e.message : String(e));
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.url ? openPostgres(opts.url) : openPglite(opts.dataDir, initPgliteFolder, opts.template);
}

/**
 * Creates a PGlite data folder (initdb) in a child Node process. Creating the cluster grows
 * PGlite's WebAssembly memory to about 800 MB resident, which a WebAssembly instance never gives
 * back; opening an existing folder takes about 300 MB. Made apart, the folder is then opened here
 * as on any later start, so the first start holds no more memory than the next ones.
 */
async function initPgliteFolder(dataDir: string): Promise<void> {
  const entry = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  const code = `const { PGlite } = await import(${JSON.stringify(entry)});
const db = await PGlite.create(${JSON.stringify(dataDir)});
await db.close();`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (status) => {
      if (status === 0) resolve();
      else
        reject(
          new Error(
            `could not create the database folder ${dataDir}: ${err.trim().split('\n').pop() || `exit status ${status}`}`,
          ),
        );
    });
  });
}

async function openPostgres(url: string): Promise<Database> {
  const { default: pg } = await import('pg');
  // A bounded wait for a connection: while the server is down a request fails in seconds, not never.
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 5_000 });
  // An idle client whose server connection drops (restart, admin command) emits 'error' on the
  // pool; unhandled, that would end the process. The next query simply gets a new connection.
  pool.on('error', () => {});
  const connect = async () => {
    try {
      return await pool.connect();
    } catch (e) {
      throw unavailable(e);
    }
  };
  // Fail now with a clear message rather than on the first request.
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end();
    throw new Error(
      `cannot connect to PostgreSQL at ${redact(url)}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return {
    kind: 'postgres',
    query: async <T extends Row>(sql: string, params: unknown[] = []) => {
      try {
        try {
          return (await pool.query(pgQuery(sql, params))).rows as T[];
        } catch (e) {
          // Once more, as a new statement: nothing ran (the server refused it before executing it).
          if (!stalePlan(e, sql)) throw e;
          return (await pool.query(pgQuery(sql, params))).rows as T[];
        }
      } catch (e) {
        throw unavailable(e);
      }
    },
    transaction: async (fn) => {
      const client = await connect();
      // A checked-out client whose connection breaks emits 'error' on itself, not on the pool;
      // unhandled, that ends the process. The statement in flight fails on its own, and the
      // client is then destroyed rather than returned to the pool.
      let broken: unknown;
      const onError = (e: unknown) => {
        broken = e;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn({
          // A stale plan aborts the transaction; the caller's retry runs it as a new statement.
          query: async <T extends Row>(sql: string, params: unknown[] = []) => {
            try {
              return (await client.query(pgQuery(sql, params))).rows as T[];
            } catch (e) {
              stalePlan(e, sql);
              throw e;
            }
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (e) {
        if (broken === undefined && !isConnectionFailure(e)) await client.query('ROLLBACK').catch(() => {});
        else broken ??= e;
        throw unavailable(e);
      } finally {
        client.off('error', onError);
        client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
      }
    },
    exec: async (sql) => {
      try {
        await pool.query(sql);
      } catch (e) {
        throw unavailable(e);
      }
    },
    close: () => pool.end(),
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

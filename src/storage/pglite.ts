/**
 * The Database interface over PGlite (PostgreSQL compiled to WebAssembly, in this process).
 *
 * PGlite's own `query()` costs six calls into WebAssembly per statement (parse, describe, bind,
 * describe, execute, sync) and parses and plans the SQL every time. Here a statement is one call:
 * each SQL text is parsed once as a named prepared statement, and later runs send Bind, Execute and
 * Sync as one buffer of PostgreSQL's extended-query protocol (issue 11: the gateway's ledger
 * statements went from about 0.6 to 0.1 ms of CPU each). Parameters are sent as text, converted by
 * their JavaScript type as node-postgres does, so both backends store the same values; rows are
 * read with PGlite's type parsers, so they come back as PGlite's `query()` would return them.
 *
 * PGlite runs one statement at a time. A lock here (a promise chain) keeps a transaction's
 * statements together: a statement or transaction waits for the one before to finish.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Database, Row, Sql } from './database.ts';

type Messages = Awaited<ReturnType<PGlite['execProtocol']>>['messages'];
type Field = { name: string; dataTypeID: number };

/** PGlite's shared_buffers (see openPglite). */
export const PGLITE_SHARED_BUFFERS = '16MB';

/** Named statements kept at once; the least recently used is closed beyond this. */
const MAX_STATEMENTS = 256;

/** Statements whose plan is worth keeping: queries and data changes, not DDL or BEGIN/COMMIT. */
const CACHEABLE = /^\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH)\b/i;

/**
 * `template`: a tarball of a new database (PGlite's `dumpDataDir('none')`) that a new database
 * starts from instead of running initdb, seconds rather than tens of seconds on a busy machine.
 */
export async function openPglite(
  dataDir: string | undefined,
  initFolder: (dir: string) => Promise<void>,
  template?: string,
): Promise<Database> {
  const { PGlite, protocol } = await import('@electric-sql/pglite');
  let fresh = !dataDir;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fresh = !existsSync(join(dataDir, 'PG_VERSION'));
    if (fresh && !template) await initFolder(dataDir);
  }
  const loadDataDir = fresh && template ? new Blob([readFileSync(template)]) : undefined;
  // PostgreSQL's default 128 MB of shared buffers is allocated, and so made resident, inside
  // PGlite's WebAssembly memory, which never shrinks; a sandbox's or a test's data fits many times
  // in 16 MB (2,048 pages; issue 11: the sandbox at rest 437 → 322 MB).
  // wal_init_zero=off: a new 16 MB WAL segment is created by writing its last byte, not by writing
  // 16 MB of zeros through PGlite's file system in this process's main thread (about 2,000
  // authorizations fill a segment; a bench round that created one wrote 68 kB per authorization
  // instead of 40). PostgreSQL documents both as safe; zero-filling only helps copy-on-write file
  // systems, where off is the recommended setting anyway.
  const db = await PGlite.create(dataDir, {
    startParams: [
      ...PGlite.defaultStartParams,
      '-c',
      `shared_buffers=${PGLITE_SHARED_BUFFERS}`,
      '-c',
      'wal_init_zero=off',
    ],
    ...(loadDataDir ? { loadDataDir } : {}),
  });
  const { serialize } = protocol;

  /** SQL text → its named statement and, once run, the fields of its rows. */
  const statements = new Map<string, { name: string; fields?: Field[] }>();
  let counter = 0;
  /** Statements to close with the next round trip (evicted, or invalidated by DDL). */
  let toClose: string[] = [];

  const send = async (parts: Uint8Array[]): Promise<Messages> => {
    const length = parts.reduce((n, p) => n + p.length, 0);
    const buffer = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      buffer.set(p, at);
      at += p.length;
    }
    // Throws PostgreSQL's first error (a DatabaseError with its SQLSTATE `code`), after Postgres
    // has read the whole buffer up to Sync, so the session is ready for the next statement.
    return (await db.execProtocol(buffer, { syncToFs: false })).messages;
  };

  const closing = (): Uint8Array[] => {
    const parts = toClose.map((name) => serialize.close({ type: 'S', name }));
    toClose = [];
    return parts;
  };

  const run = async <T extends Row>(sql: string, params: unknown[]): Promise<T[]> => {
    let statement = statements.get(sql);
    const parts = closing();
    let fresh = false;
    if (statement) {
      // Most recently used last: Map keeps insertion order.
      statements.delete(sql);
      statements.set(sql, statement);
    } else {
      fresh = true;
      const cacheable = CACHEABLE.test(sql);
      statement = { name: cacheable ? `s${++counter}` : '' };
      parts.push(serialize.parse({ name: statement.name, text: sql }));
    }
    parts.push(serialize.bind({ statement: statement.name, values: params.map(toText) }));
    if (!statement.fields) parts.push(serialize.describe({ type: 'P' }));
    parts.push(serialize.execute({}), serialize.sync());
    let messages: Messages;
    try {
      messages = await send(parts);
    } catch (e) {
      // Whether the new statement was made (the error came after Parse) or not, it is closed with
      // the next round trip: closing a statement that does not exist is not an error.
      if (fresh && statement.name) toClose.push(statement.name);
      throw e;
    }
    if (fresh && statement.name) remember(sql, statement);
    // An unnamed statement is one not worth keeping (DDL among them): kept plans may be stale now.
    if (!statement.name) invalidate();
    const rows: T[] = [];
    let fields = statement.fields;
    for (const m of messages) {
      if (m.name === 'rowDescription') {
        fields = (m as unknown as { fields: Field[] }).fields.map((f) => ({
          name: f.name,
          dataTypeID: f.dataTypeID,
        }));
        if (statement.name) statement.fields = fields;
      } else if (m.name === 'noData') {
        fields = [];
        if (statement.name) statement.fields = fields;
      } else if (m.name === 'dataRow') {
        const values = (m as unknown as { fields: (string | null)[] }).fields;
        const row: Row = {};
        for (let i = 0; i < values.length; i++) {
          const f = fields![i]!;
          const v = values[i]!;
          row[f.name] = v === null ? null : (db.parsers[f.dataTypeID] ?? identity)(v, f.dataTypeID);
        }
        rows.push(row as T);
      }
    }
    return rows;
  };

  const remember = (sql: string, statement: { name: string; fields?: Field[] }) => {
    statements.set(sql, statement);
    if (statements.size > MAX_STATEMENTS) {
      const [oldest, old] = statements.entries().next().value as [string, { name: string }];
      statements.delete(oldest);
      toClose.push(old.name);
    }
  };

  /** After DDL (migrations): a kept plan may no longer match its tables, so all are re-prepared. */
  const invalidate = () => {
    for (const s of statements.values()) toClose.push(s.name);
    statements.clear();
  };

  /** The simple-query protocol, for scripts of several statements (migrations) and BEGIN/COMMIT. */
  const simple = async (sql: string) => {
    await send([...closing(), serialize.query(sql)]);
  };

  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const result = queue.then(fn);
    queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
  const sync = () => db.syncToFs();

  return {
    kind: 'pglite',
    query: <T extends Row>(sql: string, params: unknown[] = []) =>
      exclusive(async () => {
        const rows = await run<T>(sql, params);
        await sync();
        return rows;
      }),
    transaction: (fn) =>
      exclusive(async () => {
        await simple('BEGIN');
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn({ query: (sql, params = []) => run(sql, params) } satisfies Sql);
        } catch (e) {
          await simple('ROLLBACK').catch(() => {});
          throw e;
        }
        try {
          await simple('COMMIT');
        } catch (e) {
          await simple('ROLLBACK').catch(() => {});
          throw e;
        }
        await sync();
        return result;
      }),
    exec: (sql) =>
      exclusive(async () => {
        await simple(sql);
        invalidate();
        await sync();
      }),
    close: () => exclusive(() => db.close()),
  };
}

const identity = (x: string) => x;

/** One parameter as PostgreSQL's text format, by its JavaScript type (node-postgres's rules). */
function toText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array)
    return `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  if (Array.isArray(v)) return arrayLiteral(v);
  return JSON.stringify(v);
}

function arrayLiteral(values: unknown[]): string {
  const items = values.map((x) => {
    if (Array.isArray(x)) return arrayLiteral(x);
    const t = toText(x);
    return t === null ? 'NULL' : `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}

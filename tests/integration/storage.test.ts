// The storage layer on every backend: parameterised queries, atomic transactions, migrations once.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, migrate, openDatabase, prepared } from '../../src/storage/index.ts';
import { PGLITE_SHARED_BUFFERS } from '../../src/storage/pglite.ts';
import { backends } from '../support/databases.ts';

describe.each(backends)('storage on $name', (backend) => {
  let db: Database;
  let drop: () => Promise<void>;
  let opened: Awaited<ReturnType<typeof backend.open>>;
  beforeAll(async () => {
    opened = await backend.open();
    ({ db, drop } = opened);
  });
  afterAll(() => drop());

  const migrations = [
    { id: 'test/001-notes', sql: 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL UNIQUE);\n' },
    {
      id: 'test/002-tags',
      sql: 'ALTER TABLE notes ADD COLUMN tag text;\nCREATE INDEX notes_tag ON notes (tag);\n',
    },
  ];

  it('runs PGlite with small shared buffers (they are resident in its WebAssembly memory)', async () => {
    const [row] = await db.query<{ shared_buffers: string }>('SHOW shared_buffers');
    if (db.kind === 'pglite') expect(row?.shared_buffers).toBe(PGLITE_SHARED_BUFFERS);
    else expect(row?.shared_buffers).toBeTruthy();
  });

  it('creates PGlite WAL segments without writing 16 MB of zeros through its file system', async () => {
    const [row] = await db.query<{ wal_init_zero: string }>('SHOW wal_init_zero');
    if (db.kind === 'pglite') expect(row?.wal_init_zero).toBe('off');
    else expect(['on', 'off']).toContain(row?.wal_init_zero);
  });

  it('applies each migration once, in order', async () => {
    expect(await migrate(db, migrations)).toEqual(['test/001-notes', 'test/002-tags']);
    expect(await migrate(db, migrations)).toEqual([]);
    const ids = await db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(ids.map((r) => r.id)).toEqual(['test/001-notes', 'test/002-tags']);
  });

  it('lets several processes migrate a fresh database at once', async () => {
    const fresh = await backend.open();
    try {
      const others = await Promise.all(
        [1, 2, 3].map(() => backend.connect?.(fresh) ?? Promise.resolve(fresh.db)),
      );
      const applied = await Promise.all(others.map((db) => migrate(db, migrations)));
      expect(applied.flat().sort()).toEqual(['test/001-notes', 'test/002-tags']);
      for (const db of others) if (db !== fresh.db) await db.close();
    } finally {
      await fresh.drop();
    }
  });

  it('rolls a failed migration back whole', async () => {
    const bad = [{ id: 'test/003-bad', sql: 'CREATE TABLE half (x int);\nSELECT no_such_function();\n' }];
    await expect(migrate(db, bad)).rejects.toThrow();
    expect(await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'")).toEqual([]);
    expect(await db.query("SELECT 1 FROM schema_migrations WHERE id = 'test/003-bad'")).toEqual([]);
  });

  it('commits a transaction whole or not at all', async () => {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO notes (body, tag) VALUES ($1, $2)', ['one', 'a']);
      await tx.query('INSERT INTO notes (body, tag) VALUES ($1, $2)', ['two', 'a']);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO notes (body) VALUES ($1)', ['three']);
        await tx.query('INSERT INTO notes (body) VALUES ($1)', ['one']); // unique violation
      }),
    ).rejects.toThrow();
    const rows = await db.query<{ body: string }>('SELECT body FROM notes ORDER BY id');
    expect(rows.map((r) => r.body)).toEqual(['one', 'two']);
  });

  it('sends parameters by their JavaScript type and reads rows back alike on both backends', async () => {
    const at = new Date('2026-11-30T12:34:56.789Z');
    const [row] = await db.query(
      `SELECT $1::int AS n, $2::bigint AS big, $3::boolean AS yes, $4::timestamptz AS at,
              $5::jsonb AS doc, $6::text[] AS list, $7::text AS none, $8::bytea AS raw`,
      [
        42,
        9_007_199_254_740_991,
        false,
        at,
        { a: [1, 'two'] },
        ['a"b', 'c\\d', null],
        null,
        new Uint8Array([0, 255]),
      ],
    );
    expect(row?.n).toBe(42);
    expect(Number(row?.big)).toBe(9_007_199_254_740_991);
    expect(row?.yes).toBe(false);
    expect(row?.at).toEqual(at);
    expect(row?.doc).toEqual({ a: [1, 'two'] });
    expect(row?.list).toEqual(['a"b', 'c\\d', null]);
    expect(row?.none).toBeNull();
    expect([...((row?.raw as Uint8Array | undefined) ?? [])]).toEqual([0, 255]);
  });

  it('runs a statement again after it failed, and after the table under it changed', async () => {
    const insert = 'INSERT INTO notes (body, tag) VALUES ($1, $2) RETURNING body';
    await expect(db.query(insert, ['one', 'x'])).rejects.toMatchObject({ code: '23505' });
    expect(await db.query(insert, ['four', 'x'])).toEqual([{ body: 'four' }]);
    await expect(db.query('SELECT no_such_column FROM notes')).rejects.toMatchObject({ code: '42703' });
    const all = 'SELECT * FROM notes WHERE body = $1';
    expect(Object.keys((await db.query(all, ['four']))[0]!).sort()).toEqual(['body', 'id', 'tag']);
    await db.exec('ALTER TABLE notes ADD COLUMN extra text');
    expect(Object.keys((await db.query(all, ['four']))[0]!).sort()).toEqual(['body', 'extra', 'id', 'tag']);
    await db.transaction(async (tx) => {
      await tx.query('ALTER TABLE notes DROP COLUMN extra');
      expect(Object.keys((await tx.query(all, ['four']))[0]!).sort()).toEqual(['body', 'id', 'tag']);
    });
  });

  it('runs a prepared statement on every connection, and again after another process changed its columns', async () => {
    const all = prepared('SELECT * FROM notes WHERE body = $1 OR $1 IS NULL ORDER BY id LIMIT 1');
    const columns = async (on: Database) => Object.keys((await on.query(all, ['four']))[0]!).sort();
    // Eight at once: each of the pool's connections prepares it.
    const eight = async () => Promise.all(Array.from({ length: 8 }, () => columns(db)));
    expect(new Set((await eight()).map((c) => c.join()))).toEqual(new Set(['body,id,tag']));
    // The schema changes under the kept statements, as a newer process's migration would change it.
    const other = (await backend.connect?.(opened)) ?? db;
    try {
      await other.exec('ALTER TABLE notes ADD COLUMN later text');
      expect(new Set((await eight()).map((c) => c.join()))).toEqual(new Set(['body,id,later,tag']));
      await other.exec('ALTER TABLE notes DROP COLUMN later');
      expect(new Set((await eight()).map((c) => c.join()))).toEqual(new Set(['body,id,tag']));
      // Inside a transaction the stale statement fails it; the transaction run again succeeds.
      await other.exec('ALTER TABLE notes ADD COLUMN later text');
      const inTx = () =>
        db.transaction(async (tx) => Object.keys((await tx.query(all, ['four']))[0]!).sort());
      const first = await Promise.allSettled(Array.from({ length: 8 }, inTx));
      for (const r of first) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: '0A000' });
      expect((await inTx()).join()).toBe('body,id,later,tag');
    } finally {
      if (other !== db) await other.close();
    }
  });

  it('keeps each transaction apart from statements issued while it runs', async () => {
    let inside = 0;
    const tx = db.transaction(async (t) => {
      await t.query('INSERT INTO notes (body) VALUES ($1)', ['five']);
      inside = (await t.query('SELECT body FROM notes')).length;
      throw new Error('changed my mind');
    });
    const outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM notes');
    await expect(tx).rejects.toThrow('changed my mind');
    const before = (await outside)[0]!.n;
    expect(inside).toBe(before + 1);
    expect((await db.query('SELECT 1 FROM notes WHERE body = $1', ['five'])).length).toBe(0);
  });
});

describe('PGlite in a data folder', () => {
  it('creates a new folder in a process of its own, and the data outlives reopening', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'set-storage-')), 'db');
    try {
      const first = await openDatabase({ dataDir: dir });
      // The cluster was made before this process opened it (initdb ran in a child process).
      expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
      await first.exec('CREATE TABLE kept (v text)');
      await first.query('INSERT INTO kept VALUES ($1)', ['still here']);
      await first.close();
      const again = await openDatabase({ dataDir: dir });
      expect(await again.query('SELECT v FROM kept')).toEqual([{ v: 'still here' }]);
      await again.close();
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  }, 180_000);

  it('says which folder it could not create', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'set-storage-')), 'a-file');
    writeFileSync(file, 'not a folder');
    await expect(openDatabase({ dataDir: join(file, 'db') })).rejects.toThrow(/a-file/);
    rmSync(dirname(file), { recursive: true, force: true });
  });
});

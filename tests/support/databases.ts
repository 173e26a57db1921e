/**
 * The storage backends every storage test runs against: PGlite always, and PostgreSQL when
 * TEST_DATABASE_URL names a server (.ci/run starts one). Each test file gets its own schema-free
 * database: PGlite in memory, or a fresh PostgreSQL database created for the run.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Database, openDatabase } from '../../src/storage/index.ts';

/**
 * A tarball of a new PGlite database, made once per machine and PGlite version (in the system's
 * temporary folder): a test's database starts from it instead of running initdb, which takes
 * seconds, and tens of seconds on a busy machine. Made in a file of its own, then renamed, so test
 * files starting at once never read half of one.
 */
export async function pgliteTemplate(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const { version } = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const path = join(tmpdir(), `setwallet-pglite-${version}-template.tar`);
  if (existsSync(path)) return path;
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create();
  const tar = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer());
  await db.close();
  const part = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(part, tar);
  renameSync(part, path);
  return path;
}

/** A new in-memory PGlite database for one test file, from the template. */
export async function openTestPglite(): Promise<Database> {
  return openDatabase({ template: await pgliteTemplate() });
}

export const POSTGRES_URL = process.env.TEST_DATABASE_URL;

export interface Backend {
  name: 'pglite' | 'postgres';
  /** A new, empty database; `drop` removes it afterwards. */
  open(): Promise<{ db: Database; url?: string; drop(): Promise<void> }>;
  /** Another connection pool to an opened database, as a second process would have (PostgreSQL only). */
  connect?(opened: { url?: string }): Promise<Database>;
}

export const backends: Backend[] = [
  {
    name: 'pglite',
    open: async () => {
      const db = await openTestPglite();
      return { db, drop: () => db.close() };
    },
  },
];

if (POSTGRES_URL) {
  backends.push({
    name: 'postgres',
    open: async () => {
      const admin = await openDatabase({ url: POSTGRES_URL });
      const name = `setwallet_test_${randomBytes(6).toString('hex')}`;
      await admin.exec(`CREATE DATABASE ${name}`);
      const url = new URL(POSTGRES_URL);
      url.pathname = `/${name}`;
      const db = await openDatabase({ url: url.href });
      return {
        db,
        url: url.href,
        drop: async () => {
          await db.close();
          await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await admin.close();
        },
      };
    },
    connect: (opened) => openDatabase({ url: opened.url! }),
  });
}

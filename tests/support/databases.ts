/**
 * The storage backends every storage test runs against: PGlite always, and PostgreSQL when
 * TEST_DATABASE_URL names a server (.ci/run starts one). Each test file gets its own schema-free
 * database: PGlite in memory, or a fresh PostgreSQL database created for the run.
 */
import { randomBytes } from 'node:crypto';
import { type Database, openDatabase } from '../../src/storage/index.ts';

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
      const db = await openDatabase({});
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

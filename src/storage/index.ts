/**
 * src/storage: the SQL database the sandbox parties keep their records in: PGlite (embedded
 * PostgreSQL) under a data folder by default, or a PostgreSQL server when a URL is given. Both
 * speak the same SQL, so every store and test runs unchanged on either. Versioned migrations are
 * applied once each, in order, inside a transaction. Imports nothing from other src/ folders.
 */
export * from './database.ts';
export * from './migrate.ts';

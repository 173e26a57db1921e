/** The vault: passphrase-protected storage of card secrets in IndexedDB (see vault.ts, db.ts, backup.ts). */
export * from './backup.ts';
export {
  deriveKeyBytes,
  importAesKey,
  KDF_ALG,
  type KdfParams,
  MIN_KDF_ITERATIONS,
  newKdfParams,
  openRecord,
  SALT_LENGTH,
  type Sealed,
  sealRecord,
} from './crypto.ts';
export * from './db.ts';
export * from './strength.ts';
export * from './vault.ts';

/**
 * Encrypted backup: one JSON file holding the KDF parameters, the passphrase verifier and every
 * record, useless without the passphrase. Secrets stay sealed record by record as they are in the
 * vault, and the whole payload (cards, secrets, receipts, roots, settings) is sealed once more so
 * that not even the card list or the receipts can be read from the file.
 *
 * Restoring goes into an empty vault (a fresh browser profile): the file is size-checked and
 * schema-checked, the passphrase is checked against the verifier, every secret must open, and only
 * then is everything written, in one transaction. The vault key does not change, so the cards are
 * usable at once with the same passphrase.
 */
import * as v from 'valibot';
import { fromUtf8, utf8 } from '../../protocol/core.ts';
import { WalletError, walletError } from '../errors.ts';
import { MAX_BACKUP_BYTES } from '../limits.ts';
import { MAX_IDLE_MINUTES, MIN_IDLE_MINUTES } from '../settings.ts';
import {
  deriveKeyBytes,
  importAesKey,
  KDF_ALG,
  MIN_KDF_ITERATIONS,
  openRecord,
  sealRecord,
} from './crypto.ts';
import type { CardsMeta, ReceiptRecord, SettingsRecord, VaultMeta, WalletDb } from './db.ts';
import { opensVerifier, type Vault } from './vault.ts';

export const BACKUP_FORMAT = 'set-wallet-backup';
export const BACKUP_VERSION = 1;
export { MAX_BACKUP_BYTES };

const PAYLOAD_AAD = 'backup/payload';
/** A backup may ask for at most this many times the wallet's own KDF cost (vault.kdfIterations). */
export const MAX_BACKUP_KDF_FACTOR = 10;

const B64U = /^[A-Za-z0-9_-]*$/;
const b64u = (max: number) => v.pipe(v.string(), v.maxLength(max), v.regex(B64U));
const Sealed = v.strictObject({ iv: v.pipe(b64u(16), v.length(16)), ct: b64u(4 * 1024 * 1024) });
const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(128));
const Short = v.pipe(v.string(), v.maxLength(256));

export const BackupFile = v.strictObject({
  format: v.literal(BACKUP_FORMAT),
  version: v.literal(BACKUP_VERSION),
  createdAt: Short,
  kdf: v.strictObject({
    alg: v.literal(KDF_ALG),
    iterations: v.pipe(v.number(), v.safeInteger(), v.minValue(MIN_KDF_ITERATIONS), v.maxValue(100_000_000)),
    salt: v.pipe(b64u(64), v.minLength(22)),
  }),
  verifier: Sealed,
  payload: Sealed,
});
export type BackupFile = v.InferOutput<typeof BackupFile>;

const CardRecordSchema = v.strictObject({
  id: Id,
  brand: v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,32}$/)),
  bin: v.pipe(v.string(), v.regex(/^\d{6}$/)),
  last4: v.pipe(v.string(), v.regex(/^\d{4}$/)),
  certificate: b64u(8192),
  chain: v.pipe(v.array(b64u(8192)), v.maxLength(8)),
  rootThumbprint: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  issuerName: v.optional(Short),
  addedAt: Short,
  registeredAt: v.optional(
    v.strictObject({
      origin: v.pipe(v.string(), v.maxLength(512)),
      endpointUrl: v.pipe(v.string(), v.maxLength(2048)),
    }),
  ),
  renewedAt: v.optional(Short),
});

const ReceiptWire = v.pipe(v.string(), v.maxLength(64 * 1024));
/**
 * A receipt as kept. Receipts were verified when received; here only their key, index and message
 * are checked, and every other field is kept as it is (what valibot's looseObject would do, without
 * its 1 KB in the service worker, issue 11).
 */
const KeptReceipt = v.pipe(
  v.record(v.string(), v.unknown()),
  v.check(
    (r) => v.is(Id, r.id) && v.is(Short, r.receivedAt) && v.is(ReceiptWire, r.wire),
    'a receipt needs its id, receivedAt and wire',
  ),
);

const Payload = v.strictObject({
  cards: v.pipe(v.array(CardRecordSchema), v.maxLength(100)),
  secrets: v.pipe(v.array(v.strictObject({ id: Id, sealed: Sealed })), v.maxLength(100)),
  defaultCardId: v.nullable(Id),
  roots: v.pipe(
    v.array(
      v.strictObject({
        fingerprint: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
        der: b64u(8192),
        subject: v.pipe(v.string(), v.maxLength(1024)),
        addedAt: Short,
      }),
    ),
    v.maxLength(32),
  ),
  receipts: v.pipe(v.array(KeptReceipt), v.maxLength(5000)),
  idleMinutes: v.pipe(v.number(), v.integer(), v.minValue(MIN_IDLE_MINUTES), v.maxValue(MAX_IDLE_MINUTES)),
});
type Payload = v.InferOutput<typeof Payload>;

/** The backup file's text. Needs the vault unlocked. */
export async function exportBackup(db: WalletDb, vault: Vault, now: Date): Promise<string> {
  const key = await vault.key();
  const meta = await vault.meta();
  if (!meta) return walletError('noVault', 'there is no vault to back up');
  const cardsMeta = (await db.get('meta', 'cards')) as CardsMeta | undefined;
  const settings = (await db.get('meta', 'settings')) as SettingsRecord | undefined;
  const payload: Payload = {
    cards: await db.getAll('cards'),
    secrets: await db.getAll('secrets'),
    defaultCardId: cardsMeta?.defaultCardId ?? null,
    roots: await db.getAll('roots'),
    receipts: (await db.getAll('receipts')) as unknown as Payload['receipts'],
    idleMinutes: settings?.idleMinutes ?? 15,
  };
  const file: BackupFile = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: now.toISOString(),
    kdf: meta.kdf,
    verifier: meta.verifier,
    payload: await sealRecord(key, PAYLOAD_AAD, utf8(JSON.stringify(payload))),
  };
  return JSON.stringify(file);
}

/**
 * Restores `text` into this (empty) vault with `passphrase`, leaving it unlocked. Nothing is
 * written unless everything checks: `backupInvalid`, `wrongPassphrase` or `vaultExists` otherwise.
 */
export async function restoreBackup(
  db: WalletDb,
  vault: Vault,
  text: string,
  passphrase: string,
  now: Date,
): Promise<{ cards: number; receipts: number }> {
  if (typeof text !== 'string' || text.length > MAX_BACKUP_BYTES) {
    walletError('backupInvalid', `a backup file is at most ${MAX_BACKUP_BYTES} bytes`, { problem: 'size' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return walletError('backupInvalid', 'the file is not JSON', { problem: 'json' });
  }
  const parsed = v.safeParse(BackupFile, json);
  if (!parsed.success) {
    return walletError('backupInvalid', `this is not a SET Wallet backup: ${parsed.issues[0].message}`, {
      problem: 'schema',
    });
  }
  const file = parsed.output;
  if (await vault.meta()) walletError('vaultExists', 'restore into an empty wallet only');
  // The file names its own KDF cost, and deriving the key is the first thing done with it: a file
  // asking for a billion rounds would hold the wallet's background for hours.
  const maximum = vault.kdfIterations * MAX_BACKUP_KDF_FACTOR;
  if (file.kdf.iterations > maximum) {
    walletError(
      'backupKdfTooCostly',
      `the backup asks for ${file.kdf.iterations} PBKDF2 iterations; this wallet allows at most ${maximum}`,
      { iterations: file.kdf.iterations, maximum },
    );
  }

  const raw = await deriveKeyBytes(passphrase, file.kdf);
  const key = await importAesKey(raw);
  if (!(await opensVerifier(key, file)))
    walletError('wrongPassphrase', 'that is not the passphrase of this backup');
  const opened = await openRecord(key, PAYLOAD_AAD, file.payload);
  if (!opened) return walletError('backupInvalid', 'the backup is damaged', { problem: 'payload' });
  let payload: Payload;
  try {
    payload = v.parse(Payload, JSON.parse(fromUtf8(opened)));
  } catch {
    return walletError('backupInvalid', 'the backup is damaged', { problem: 'payload' });
  }
  for (const s of payload.secrets) {
    if (!(await openRecord(key, s.id, s.sealed))) {
      walletError('backupInvalid', `the backup record ${s.id} is damaged`, { problem: 'record' });
    }
  }

  const meta: VaultMeta = {
    id: 'vault',
    format: 2,
    kdf: file.kdf,
    verifier: file.verifier,
    createdAt: now.toISOString(),
  };
  const tx = db.transaction(['meta', 'cards', 'secrets', 'roots', 'receipts'], 'readwrite');
  try {
    await Promise.all([
      tx.objectStore('meta').add(meta),
      tx.objectStore('meta').put({ id: 'cards', defaultCardId: payload.defaultCardId } satisfies CardsMeta),
      tx
        .objectStore('meta')
        .put({ id: 'settings', idleMinutes: payload.idleMinutes } satisfies SettingsRecord),
      ...payload.cards.map((c) => tx.objectStore('cards').put(c)),
      ...payload.secrets.map((s) => tx.objectStore('secrets').put(s)),
      ...payload.roots.map((r) => tx.objectStore('roots').put(r)),
      ...payload.receipts.map((r) => tx.objectStore('receipts').put(r as unknown as ReceiptRecord)),
      tx.done,
    ]);
  } catch (e) {
    if (e instanceof WalletError) throw e;
    // `add` of the vault record fails when a vault appeared meanwhile: the transaction aborted whole.
    return walletError('vaultExists', 'restore into an empty wallet only');
  }
  await vault.adopt(raw);
  return { cards: payload.cards.length, receipts: payload.receipts.length };
}

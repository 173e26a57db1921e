/**
 * The Wallet: one object holding the wallet's capabilities over one database, created once by the
 * background (createWallet) and handed to the switchboard (switchboard.ts).
 */
import type { VerifyEvent } from '../protocol/messages/trust.ts';
import { Cards } from './cards.ts';
import { Initiations } from './initiations.ts';
import type { WalletPlatform } from './platform.ts';
import { Purchases } from './purchase.ts';
import { Receipts } from './receipts.ts';
import { Registrations } from './registration.ts';
import { Revocations } from './revocation.ts';
import { TrustedRoots } from './roots.ts';
import { Settings } from './settings.ts';
import { exportBackup, restoreBackup } from './vault/backup.ts';
import { openWalletDb, WALLET_DB_NAME, type WalletDb } from './vault/db.ts';
import { Vault } from './vault/vault.ts';

export interface WalletOptions {
  /** PEM text of the built-in trusted roots, a build-time constant (none by default). */
  builtInRoots?: readonly string[];
  /** PBKDF2 iterations for new vaults; older vaults are raised to it on unlock (≥ 600,000). */
  kdfIterations?: number;
  dbName?: string;
  /** SWIdent in PIHead. */
  swIdent?: string;
  /** Hears every verification that checks a signature (tests count them; see TrustCacheOptions). */
  observeVerification?: (event: VerifyEvent) => void;
}

export interface Wallet {
  readonly platform: WalletPlatform;
  readonly db: WalletDb;
  readonly vault: Vault;
  readonly settings: Settings;
  readonly roots: TrustedRoots;
  readonly cards: Cards;
  readonly registrations: Registrations;
  readonly purchases: Purchases;
  readonly receipts: Receipts;
  readonly initiations: Initiations;
  /** The encrypted backup file's text (vault unlocked). */
  exportBackup(): Promise<string>;
  /** Restores a backup into this empty wallet and leaves it unlocked. */
  restoreBackup(file: string, passphrase: string): Promise<{ cards: number; receipts: number }>;
  /** Wire to alarms.onAlarm. */
  onAlarm(name: string): Promise<void>;
  close(): void;
}

/** Opens (or creates, or migrates) the wallet database and wires the wallet's capabilities. */
export async function createWallet(platform: WalletPlatform, options: WalletOptions = {}): Promise<Wallet> {
  const db = await openWalletDb(platform.indexedDB, options.dbName ?? WALLET_DB_NAME);
  const settings = new Settings(db);
  const vault = new Vault(
    db,
    platform,
    settings,
    options.kdfIterations === undefined ? {} : { kdfIterations: options.kdfIterations },
  );
  // A new idle time takes effect at once.
  settings.onChange = () => vault.touch();
  const roots = new TrustedRoots(
    db,
    platform,
    vault,
    options.builtInRoots ?? [],
    options.observeVerification,
  );
  const cards = new Cards(db, vault, roots, platform.now);
  const receipts = new Receipts(db);
  return {
    platform,
    db,
    vault,
    settings,
    roots,
    cards,
    registrations: new Registrations(platform, vault, roots, cards, db),
    purchases: new Purchases(platform, vault, roots, cards, receipts, new Revocations(db), options.swIdent),
    receipts,
    initiations: new Initiations(platform),
    exportBackup: () => exportBackup(db, vault, platform.now()),
    restoreBackup: async (file, passphrase) => {
      const restored = await restoreBackup(db, vault, file, passphrase, platform.now());
      roots.invalidate();
      return restored;
    },
    onAlarm: async (name) => {
      await vault.onAlarm(name);
    },
    close: () => db.close(),
  };
}

/**
 * The wallet's IndexedDB database: its current schema, the migrations that lead to it, and how it
 * is opened from a passed-in IDBFactory. Secrets are stored only as `Sealed` records (see
 * crypto.ts); everything else here is public by nature: certificates, truncated card numbers
 * (first six and last four digits, the PCI DSS truncation), receipts, roots and settings.
 *
 * Schema changes: add a step to MIGRATIONS. A step may change object stores and rewrite records,
 * inside the one versionchange transaction, so a failing step aborts the upgrade and leaves the
 * old data as it was. Steps never need the vault key; re-encryption waits for the next unlock.
 */
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, wrap } from 'idb';
import type {
  Amount,
  InstallRecurData,
  PaymentResults,
  PaymentState,
  PResContent,
  SignedBody,
  TransIds,
} from '../../protocol/core.ts';
import type { KdfParams, Sealed } from './crypto.ts';

export const WALLET_DB_NAME = 'set-wallet';

/** The vault itself: how its key is derived, and an encrypted known value to check a passphrase. */
export interface VaultMeta {
  id: 'vault';
  format: 2;
  kdf: KdfParams;
  verifier: Sealed;
  createdAt: string;
}
export interface CardsMeta {
  id: 'cards';
  defaultCardId: string | null;
}
export interface SettingsRecord {
  id: 'settings';
  idleMinutes: number;
}
/** Persisted so that restarting the browser does not reset the back-off. */
export interface FailuresRecord {
  id: 'unlockFailures';
  count: number;
  /** ms since the epoch */
  lastFailureAt: number;
}
/** Each brand's verified revocation state (src/wallet/revocation.ts): public, kept across sessions. */
export interface RevocationRecord {
  id: 'revocation';
  brands: Record<string, { bci?: SignedBody; crls: string[] }>;
}
export type MetaRecord = VaultMeta | CardsMeta | SettingsRecord | FailuresRecord | RevocationRecord;

/** A registered card's public part. Its secrets are the SecretRecord `card/<id>`. */
export interface CardRecord {
  id: string;
  brand: string;
  /** First six digits: PInitReq carries them before the vault is unlocked (SET's BIN). */
  bin: string;
  last4: string;
  /** base64url DER of the cardholder signature certificate. */
  certificate: string;
  /** base64url DER of its CAs up to, not including, the root. */
  chain: string[];
  /** Hex SHA-256 of the trusted root the certificate chained to at registration. */
  rootThumbprint: string;
  /** Kept by older wallets from the registering page; ignored (the label is the CCA certificate's name). */
  issuerName?: string;
  addedAt: string;
  /**
   * Where the card was registered: the issuer page's origin (from the browser) and the CCA's SET
   * endpoint its initiation named, on that origin. The wallet renews the card there. Absent in
   * cards kept by older wallets (they are registered again at the bank's site instead).
   */
  registeredAt?: { origin: string; endpointUrl: string };
  /** When the card's certificate was last renewed (same card, new certificate and key). */
  renewedAt?: string;
}

/**
 * A registration the cardholder CA left pending (CertRes `pending`), kept until it is decided:
 * its state sealed under the vault key (associated data `registration/<id>`: it holds the PAN
 * and the CertReq's new key), and what the wallet lists without the key.
 */
export interface PendingRegistrationRecord {
  id: string;
  sealed: Sealed;
  brand: string;
  caName: string;
  last4: string;
  origin: string;
  /** When the CA answered pending (ISO). */
  since: string;
  /** The card a pending renewal renews. */
  renews?: string;
}

/** What a card's SecretRecord decrypts to. */
export interface CardSecrets {
  pan: string;
  expiry: string;
  /** base64url */
  cardSecret: string;
  panSecret: string;
  privateKey: string;
}

export interface SecretRecord {
  /** `card/<cardId>`; also the AES-GCM associated data. */
  id: string;
  sealed: Sealed;
}

export interface ReceiptMerchant {
  name: string;
  merchantId: string;
  city: string;
  stateProvince?: string;
  country: string;
  origins: string[];
  /** base64url thumbprint of the merchant signature certificate that signed PInitRes and PRes. */
  thumbprint: string;
  sandbox: boolean;
}

/** A verified PRes (or InqRes) and what was verified. */
export interface ReceiptRecord {
  /** The XID (base64url): one receipt per transaction. */
  id: string;
  kind: 'PRes' | 'InqRes';
  merchant: ReceiptMerchant;
  tabOrigin: string;
  od: string;
  /** PurchAmt from the signed PInitRes. */
  amount: Amount;
  status: PResContent['result']['status'];
  completionCode: PResContent['completionCode'];
  authCode?: string;
  reason?: string;
  /** The amount the result names. */
  resultAmount: Amount;
  /** The date the merchant signed. */
  date: string;
  receivedAt: string;
  cardId: string;
  cardLast4: string;
  brand: string;
  /** What the message answers, to verify it again. */
  answers: { rrpid: string; transIds: TransIds; challC: string };
  /** The message as received. */
  wire: string;
  /**
   * Where the payment stands, from the newest verified PRes or InqRes (paymentStateOf), and the
   * amounts an InqRes reported. Absent in receipts kept before the wallet asked (read as the status).
   */
  state?: PaymentState;
  results?: PaymentResults;
  /**
   * The merchant's SET endpoint the checkout page declared, on the tab's origin (one the verified
   * merchant certificate names): where the background sends InqReq when the receipt is opened.
   */
  endpointUrl?: string;
  /** base64url DER of the cardholder certificate that signed the PReq (InqReq's paidWith after a renewal). */
  paidWith?: string;
  /** Every InqRes the wallet verified for this receipt, oldest first (at most MAX_KEPT_INQUIRIES). */
  inquiries?: KeptInquiry[];
  /**
   * The payment plan the cardholder signed with this purchase (InstallRecurData from the signed
   * PInitRes, covered by the dual signature), kept with the receipt: the wallet lists it per card.
   */
  installRecurData?: InstallRecurData;
  /**
   * The approved payments of the purchase as the newest verified InqRes listed them (SET-PROFILE §6:
   * the first and each merchant-initiated one), oldest first, and how many in all.
   */
  payments?: { date: string; amount: Amount }[];
  paymentCount?: number;
  /** Paid without a cardholder certificate (an unsigned purchase the gateway allowed). */
  unsigned?: boolean;
}

/** One verified InqRes, kept as received with what it answers, so it can be verified again. */
export interface KeptInquiry {
  wire: string;
  answers: { rrpid: string; transIds: TransIds; challC: string };
  /** The date the merchant signed. */
  date: string;
  receivedAt: string;
  state: PaymentState;
}

export interface RootRecord {
  /** Lowercase hex SHA-256 of the DER. */
  fingerprint: string;
  der: string;
  subject: string;
  addedAt: string;
}

export interface WalletSchema extends DBSchema {
  meta: { key: string; value: MetaRecord };
  cards: { key: string; value: CardRecord };
  secrets: { key: string; value: SecretRecord };
  receipts: { key: string; value: ReceiptRecord; indexes: { byReceivedAt: string } };
  roots: { key: string; value: RootRecord };
  registrations: { key: string; value: PendingRegistrationRecord };
}
export type WalletDb = IDBPDatabase<WalletSchema>;

type UpgradeTx = IDBPTransaction<unknown, string[], 'versionchange'>;

interface Migration {
  /** The database version this step produces. */
  version: number;
  run(db: IDBPDatabase<unknown>, tx: UpgradeTx): void | Promise<void>;
}

/**
 * Version 1 (the first layout): stores `meta` and `cards`. meta `vault` was
 * `{id, iterations, salt, verifier}` (PBKDF2-SHA256 implied); each card held its sealed secrets
 * in `sealed` (associated data `card/<id>`) and an `isDefault` flag.
 */
interface V1Vault {
  id: 'vault';
  iterations: number;
  salt: string;
  verifier: Sealed;
  createdAt?: string;
}
type V1Card = CardRecord & { sealed: Sealed; isDefault?: boolean };

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    run(db) {
      db.createObjectStore('meta', { keyPath: 'id' });
      db.createObjectStore('cards', { keyPath: 'id' });
    },
  },
  {
    // Version 2: KDF parameters name their algorithm so they can change; secrets get their own
    // store (a card can be listed without touching them); receipts and trusted roots arrive.
    version: 2,
    async run(db, tx) {
      db.createObjectStore('secrets', { keyPath: 'id' });
      db.createObjectStore('receipts', { keyPath: 'id' }).createIndex('byReceivedAt', 'receivedAt');
      db.createObjectStore('roots', { keyPath: 'fingerprint' });
      const meta = tx.objectStore('meta');
      const old = (await meta.get('vault')) as V1Vault | VaultMeta | undefined;
      if (old && !('kdf' in old)) {
        const vault: VaultMeta = {
          id: 'vault',
          format: 2,
          kdf: { alg: 'PBKDF2-SHA256', iterations: old.iterations, salt: old.salt },
          verifier: old.verifier,
          createdAt: old.createdAt ?? new Date(0).toISOString(),
        };
        await meta.put(vault);
      }
      const cards = tx.objectStore('cards');
      const secrets = tx.objectStore('secrets');
      let defaultCardId: string | null = null;
      for (const card of (await cards.getAll()) as V1Card[]) {
        const { sealed, isDefault, ...rest } = card;
        // Same associated data as before: the ciphertext moves unchanged, no key needed.
        await secrets.put({ id: `card/${card.id}`, sealed } satisfies SecretRecord);
        await cards.put(rest satisfies CardRecord);
        if (isDefault && defaultCardId === null) defaultCardId = card.id;
      }
      if (defaultCardId !== null) await meta.put({ id: 'cards', defaultCardId } satisfies CardsMeta);
    },
  },
  {
    // Version 3: registrations the cardholder CA left pending outlive the browser session.
    version: 3,
    run(db) {
      db.createObjectStore('registrations', { keyPath: 'id' });
    },
  },
];

export const DB_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Opens (creating or migrating) the wallet database. idb's openDB would use the global indexedDB. */
export function openWalletDb(factory: IDBFactory, name = WALLET_DB_NAME): Promise<WalletDb> {
  const request = factory.open(name, DB_VERSION);
  request.addEventListener('upgradeneeded', (event) => {
    const db = wrap(request.result) as IDBPDatabase<unknown>;
    const tx = wrap(request.transaction!) as unknown as UpgradeTx;
    const from = event.oldVersion;
    (async () => {
      for (const step of MIGRATIONS) if (step.version > from) await step.run(db, tx);
    })().catch(() => {
      // Aborting the versionchange transaction fails the open and keeps the old data untouched.
      try {
        tx.abort();
      } catch {
        // already finished or aborted
      }
    });
  });
  return (wrap(request) as Promise<IDBPDatabase<unknown>>).then((db) => {
    // Another context upgrading the database: step aside rather than block it.
    db.addEventListener('versionchange', () => db.close());
    return db as unknown as WalletDb;
  });
}

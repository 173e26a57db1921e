/**
 * The wallet's IndexedDB database: its current schema, the migrations that lead to it, and how it
 * is opened from a passed-in IDBFactory. Secrets are stored only as `Sealed` records (see
 * crypto.ts); everything else here is public by nature: certificates, truncated card numbers
 * (first six and last four digits, the PCI DSS truncation), receipts, roots and settings.
 *
 * Schema changes: add a step to MIGRATIONS. A step may change object stores and rewrite records,
 * inside the one versionchange transaction, so a failing step aborts the upgrade and leaves the
 * old data as it was. Steps never need the vault key; re-encryption waits for the next unlock.
 *
 * IndexedDB is used through WalletDb below, a typed wrapper of a few lines whose requests are
 * promises (what the wallet used the `idb` package for: 2.9 KB of the service worker, issue 11).
 */
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

/** The object stores: each one's records, and its indexes. Keys are strings everywhere. */
export interface WalletSchema {
  meta: MetaRecord;
  cards: CardRecord;
  secrets: SecretRecord;
  receipts: ReceiptRecord;
  roots: RootRecord;
  registrations: PendingRegistrationRecord;
}
export type StoreName = keyof WalletSchema;
/** The indexes, by store (created by MIGRATIONS). */
export type IndexName = 'byReceivedAt';

/** A request's result, or its error (which also aborts its transaction, as IndexedDB does). */
function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** A cursor whose record is typed. */
export type Cursor<V> = Omit<IDBCursorWithValue, 'value'> & { readonly value: V };

/** An index of a store in a transaction, its requests as promises. */
export interface Index<V> {
  getAll(): Promise<V[]>;
  openCursor(
    query?: IDBValidKey | IDBKeyRange | null,
    direction?: IDBCursorDirection,
  ): Promise<Cursor<V> | null>;
}

/** An object store in a transaction, its requests as promises. */
export interface Store<V> {
  get(key: string): Promise<V | undefined>;
  getAll(): Promise<V[]>;
  put(value: V): Promise<IDBValidKey>;
  /** Refused (ConstraintError) when the key is taken. */
  add(value: V): Promise<IDBValidKey>;
  delete(key: string): Promise<void>;
  index(name: IndexName): Index<V>;
}

function storeOf<V>(s: IDBObjectStore): Store<V> {
  return {
    get: (key) => promised(s.get(key)),
    getAll: () => promised(s.getAll()),
    put: (value) => promised(s.put(value)),
    add: (value) => promised(s.add(value)),
    delete: (key) => promised(s.delete(key)),
    index: (name) => {
      const i = s.index(name);
      return {
        getAll: () => promised(i.getAll()),
        openCursor: (query, direction) =>
          promised(i.openCursor(query, direction)) as Promise<Cursor<V> | null>,
      };
    },
  };
}

/** A transaction over stores `S`: its stores, and `done`, settled when it commits or aborts. */
export class Tx<S extends StoreName> {
  /** Resolves when the transaction commits; rejects with its error when it aborts. */
  readonly done: Promise<void>;

  constructor(readonly raw: IDBTransaction) {
    this.done = new Promise((resolve, reject) => {
      raw.oncomplete = () => resolve();
      raw.onerror = raw.onabort = () => reject(raw.error ?? new DOMException('AbortError', 'AbortError'));
    });
    // A caller that does not wait for `done` still learns of a failure from its request's promise.
    this.done.catch(() => {});
  }

  objectStore<N extends S>(name: N): Store<WalletSchema[N]> {
    return storeOf(this.raw.objectStore(name));
  }

  /** The store of a transaction over one store. */
  get store(): Store<WalletSchema[S]> {
    return storeOf(this.raw.objectStore(this.raw.objectStoreNames[0]!));
  }
}

/**
 * The wallet's open database. The one-request shortcuts run in a transaction of their own; a
 * write's promise settles once that transaction has committed.
 */
export class WalletDb {
  constructor(readonly raw: IDBDatabase) {}

  transaction<S extends StoreName>(stores: S | S[], mode: IDBTransactionMode = 'readonly'): Tx<S> {
    return new Tx(this.raw.transaction(stores, mode));
  }

  get<S extends StoreName>(store: S, key: string): Promise<WalletSchema[S] | undefined> {
    return this.transaction(store).store.get(key);
  }

  getAll<S extends StoreName>(store: S): Promise<WalletSchema[S][]> {
    return this.transaction(store).store.getAll();
  }

  getAllFromIndex<S extends StoreName>(store: S, index: IndexName): Promise<WalletSchema[S][]> {
    return this.transaction(store).store.index(index).getAll();
  }

  put<S extends StoreName>(store: S, value: WalletSchema[S]): Promise<IDBValidKey> {
    return this.write(store, (s) => s.put(value));
  }

  add<S extends StoreName>(store: S, value: WalletSchema[S]): Promise<IDBValidKey> {
    return this.write(store, (s) => s.add(value));
  }

  delete(store: StoreName, key: string): Promise<void> {
    return this.write(store, (s) => s.delete(key));
  }

  close(): void {
    this.raw.close();
  }

  private async write<S extends StoreName, T>(
    store: S,
    run: (s: Store<WalletSchema[S]>) => Promise<T>,
  ): Promise<T> {
    const tx = this.transaction(store, 'readwrite');
    return (await Promise.all([run(tx.store), tx.done]))[0];
  }
}

export interface Migration {
  /** The database version this step produces. */
  version: number;
  run(db: IDBDatabase, tx: Tx<StoreName>): void | Promise<void>;
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

/**
 * Opens (creating or migrating) the wallet database from `factory` (not necessarily the global
 * indexedDB). `migrations` is MIGRATIONS but for the test of a failing step.
 */
export function openWalletDb(
  factory: IDBFactory,
  name = WALLET_DB_NAME,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<WalletDb> {
  const request = factory.open(name, migrations[migrations.length - 1]!.version);
  request.onupgradeneeded = (event) => {
    const tx = new Tx<StoreName>(request.transaction!);
    const from = event.oldVersion;
    (async () => {
      for (const step of migrations) if (step.version > from) await step.run(request.result, tx);
    })().catch(() => {
      // Aborting the versionchange transaction fails the open and keeps the old data untouched.
      try {
        tx.raw.abort();
      } catch {
        // already finished or aborted
      }
    });
  };
  return promised(request).then((db) => {
    // Another context upgrading the database: step aside rather than block it.
    db.onversionchange = () => db.close();
    return new WalletDb(db);
  });
}

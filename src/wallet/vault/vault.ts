/**
 * The vault's lock: creating it, unlocking with the passphrase, locking by hand or after an idle
 * time, slowing down repeated wrong passphrases, and raising the KDF cost of an older vault.
 *
 * While unlocked, the derived AES key lives in memory and, exported raw, in `storage.session`: a
 * killed service worker comes back unlocked, and a browser restart (which clears the session
 * area) locks. storage.session is reachable only from the extension's trusted contexts unless
 * setAccessLevel opens it, which this extension never does.
 */
import { b64u, fromB64u, utf8 } from '../../protocol/core.ts';
import { WalletError, walletError } from '../errors.ts';
import { MAX_PASSPHRASE_LENGTH, MIN_PASSPHRASE_LENGTH } from '../limits.ts';
import { type SessionArea, sessionGet, type WalletPlatform } from '../platform.ts';
import type { Settings } from '../settings.ts';
import {
  deriveKeyBytes,
  importAesKey,
  KDF_ALG,
  type KdfParams,
  MIN_KDF_ITERATIONS,
  newKdfParams,
  openRecord,
  type Sealed,
  sealRecord,
} from './crypto.ts';
import type { FailuresRecord, SecretRecord, VaultMeta, WalletDb } from './db.ts';

export const AUTO_LOCK_ALARM = 'set-wallet.auto-lock';
export { MAX_PASSPHRASE_LENGTH, MIN_PASSPHRASE_LENGTH };
/** Wrong passphrases allowed before each attempt waits 2^(n-3) s, at most MAX_BACKOFF_SECONDS. */
export const FREE_ATTEMPTS = 3;
export const MAX_BACKOFF_SECONDS = 300;

const SESSION_KEY = 'wallet.vault.key';
const VERIFIER_AAD = 'vault/verifier';
const VERIFIER_TEXT = 'SET Wallet vault verifier';

interface SessionKey {
  /** base64url raw AES-256 key */
  key: string;
  /** ms since the epoch at which the vault locks itself */
  expiresAt: number;
}

export interface VaultStatus {
  exists: boolean;
  unlocked: boolean;
  /** Seconds before another unlock attempt is allowed (0: now). */
  retryInSeconds: number;
  failedAttempts: number;
  kdf?: { alg: string; iterations: number };
}

export interface VaultOptions {
  /** The PBKDF2 cost for new vaults; unlocking an older vault below it re-encrypts it at this cost. */
  kdfIterations?: number;
}

export function backoffSeconds(failures: number): number {
  return failures < FREE_ATTEMPTS ? 0 : Math.min(2 ** (failures - FREE_ATTEMPTS), MAX_BACKOFF_SECONDS);
}

export class Vault {
  readonly kdfIterations: number;
  private cached: { raw: string; key: CryptoKey } | undefined;
  private readonly session: SessionArea;
  /**
   * Every passphrase check (unlock, changePassphrase) runs after the one before it has recorded
   * its result: concurrent guesses would otherwise all read the same failure count and all pass
   * the back-off check before any of them is counted.
   */
  private checks: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: WalletDb,
    private readonly platform: WalletPlatform,
    private readonly settings: Settings,
    options: VaultOptions = {},
  ) {
    this.kdfIterations = options.kdfIterations ?? MIN_KDF_ITERATIONS;
    if (this.kdfIterations < MIN_KDF_ITERATIONS) {
      walletError('kdfTooWeak', `PBKDF2 needs at least ${MIN_KDF_ITERATIONS} iterations`);
    }
    this.session = platform.session;
  }

  async meta(): Promise<VaultMeta | undefined> {
    return (await this.db.get('meta', 'vault')) as VaultMeta | undefined;
  }

  async status(): Promise<VaultStatus> {
    const meta = await this.meta();
    const failures = await this.failures();
    return {
      exists: meta !== undefined,
      unlocked: meta !== undefined && (await this.isUnlocked()),
      retryInSeconds: this.waitSeconds(failures),
      failedAttempts: failures?.count ?? 0,
      ...(meta ? { kdf: { alg: meta.kdf.alg, iterations: meta.kdf.iterations } } : {}),
    };
  }

  /** First run: creates the vault under `passphrase` and leaves it unlocked. */
  async create(passphrase: string): Promise<void> {
    checkPassphrase(passphrase);
    if (await this.meta()) walletError('vaultExists', 'a vault already exists');
    const kdf = newKdfParams(this.kdfIterations);
    const raw = await deriveKeyBytes(passphrase, kdf);
    const meta: VaultMeta = {
      id: 'vault',
      format: 2,
      kdf,
      verifier: await sealRecord(await importAesKey(raw), VERIFIER_AAD, utf8(VERIFIER_TEXT)),
      createdAt: this.platform.now().toISOString(),
    };
    try {
      await this.db.add('meta', meta);
    } catch {
      walletError('vaultExists', 'a vault already exists');
    }
    await this.setUnlocked(raw);
  }

  /**
   * Unlocks with `passphrase`. Refused with `unlockThrottled` during a back-off; a wrong
   * passphrase counts a failure. A vault whose KDF is below this wallet's cost is re-encrypted.
   */
  unlock(passphrase: string): Promise<{ kdfUpgraded: boolean }> {
    return this.oneAtATime(async () => {
      const { meta, key, raw } = await this.checkPassphrase(passphrase);
      if (meta.kdf.alg !== KDF_ALG || meta.kdf.iterations < this.kdfIterations) {
        await this.setUnlocked(await this.rewrap(key, passphrase));
        return { kdfUpgraded: true };
      }
      await this.setUnlocked(raw);
      return { kdfUpgraded: false };
    });
  }

  /**
   * Checks `oldPassphrase` (under the same back-off as unlock, and counting a wrong one), then
   * re-encrypts every secret under a key from `newPassphrase` and a fresh salt. Only an unlocked
   * vault's passphrase can be changed, so this never unlocks the vault by itself: it stays
   * unlocked, under the new key.
   */
  changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<void> {
    return this.oneAtATime(async () => {
      checkPassphrase(newPassphrase);
      if (!(await this.meta())) return walletError('noVault', 'there is no vault yet');
      if (!(await this.isUnlocked()))
        walletError('locked', 'unlock the wallet before changing its passphrase');
      const { key } = await this.checkPassphrase(oldPassphrase);
      const raw = await this.rewrap(key, newPassphrase);
      // Locked meanwhile (auto-lock, lock now): the new passphrase stands, the vault stays locked.
      const s = await sessionGet<SessionKey>(this.session, SESSION_KEY);
      if (s && this.platform.now().getTime() < s.expiresAt) await this.setUnlocked(raw);
      else await this.lock();
    });
  }

  /**
   * The one passphrase check: refused with `unlockThrottled` during a back-off; a wrong passphrase
   * is counted before the refusal returns; a right one clears the count. Runs inside oneAtATime.
   */
  private async checkPassphrase(
    passphrase: string,
  ): Promise<{ meta: VaultMeta; key: CryptoKey; raw: Uint8Array }> {
    if (typeof passphrase !== 'string' || passphrase.length > MAX_PASSPHRASE_LENGTH) {
      walletError('wrongPassphrase', 'that is not the passphrase');
    }
    const meta = await this.meta();
    if (!meta) return walletError('noVault', 'there is no vault to unlock yet');
    const failures = await this.failures();
    const wait = this.waitSeconds(failures);
    if (wait > 0) {
      walletError('unlockThrottled', `too many wrong passphrases: try again in ${wait} s`, {
        retryInSeconds: wait,
      });
    }
    const raw = await deriveKeyBytes(passphrase, meta.kdf);
    const key = await importAesKey(raw);
    if (!(await opensVerifier(key, meta))) {
      const count = (failures?.count ?? 0) + 1;
      await this.db.put('meta', {
        id: 'unlockFailures',
        count,
        lastFailureAt: this.platform.now().getTime(),
      } satisfies FailuresRecord);
      walletError('wrongPassphrase', 'that is not the passphrase', {
        failedAttempts: count,
        retryInSeconds: backoffSeconds(count),
      });
    }
    await this.db.delete('meta', 'unlockFailures');
    return { meta, key, raw };
  }

  private oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.checks.then(fn, fn);
    this.checks = run.catch(() => {});
    return run;
  }

  async lock(): Promise<void> {
    this.cached = undefined;
    await this.session.remove(SESSION_KEY);
    await this.platform.alarms.clear(AUTO_LOCK_ALARM);
  }

  async isUnlocked(): Promise<boolean> {
    try {
      await this.key();
      return true;
    } catch (e) {
      if (e instanceof WalletError && e.code === 'locked') return false;
      throw e;
    }
  }

  /** User activity: pushes the auto-lock back by the idle time. No effect while locked. */
  async touch(): Promise<void> {
    const s = await sessionGet<SessionKey>(this.session, SESSION_KEY);
    if (!s || this.platform.now().getTime() >= s.expiresAt) return;
    await this.arm(s.key);
  }

  /** The background's alarms.onAlarm listener calls this; true when the alarm was the vault's. */
  async onAlarm(name: string): Promise<boolean> {
    if (name !== AUTO_LOCK_ALARM) return false;
    const s = await sessionGet<SessionKey>(this.session, SESSION_KEY);
    if (s && s.expiresAt > this.platform.now().getTime()) {
      await this.platform.alarms.create(AUTO_LOCK_ALARM, { when: s.expiresAt });
    } else {
      await this.lock();
    }
    return true;
  }

  /** The vault key; WalletError `locked` when locked or past the idle time. */
  async key(): Promise<CryptoKey> {
    const s = await sessionGet<SessionKey>(this.session, SESSION_KEY);
    if (!s) {
      this.cached = undefined;
      return walletError('locked', 'the wallet is locked');
    }
    if (this.platform.now().getTime() >= s.expiresAt) {
      await this.lock();
      return walletError('locked', 'the wallet locked itself after the idle time');
    }
    if (this.cached?.raw !== s.key) {
      const key = await importAesKey(fromB64u(s.key, 'session key'));
      const meta = await this.meta();
      // A session key that does not open this vault (it was replaced meanwhile) is no key.
      if (!meta || !(await opensVerifier(key, meta))) {
        await this.lock();
        return walletError('locked', 'the wallet is locked');
      }
      this.cached = { raw: s.key, key };
    }
    return this.cached.key;
  }

  /** Seals `plaintext` under the vault key with `aad` (a record id) as associated data. */
  async seal(aad: string, plaintext: Uint8Array): Promise<Sealed> {
    return sealRecord(await this.key(), aad, plaintext);
  }

  /** Opens a record sealed under the vault key; `vaultCorrupted` when it does not authenticate. */
  async open(aad: string, sealed: Sealed): Promise<Uint8Array> {
    const pt = await openRecord(await this.key(), aad, sealed);
    if (!pt) return walletError('vaultCorrupted', `the record ${aad} does not decrypt: it is damaged`);
    return pt;
  }

  async sealJson(aad: string, value: unknown): Promise<Sealed> {
    return this.seal(aad, utf8(JSON.stringify(value)));
  }

  async openJson<T>(aad: string, sealed: Sealed): Promise<T> {
    return JSON.parse(new TextDecoder().decode(await this.open(aad, sealed))) as T;
  }

  /** Unlocks with a key already checked against the verifier (restoring a backup). */
  async adopt(raw: Uint8Array): Promise<void> {
    await this.setUnlocked(raw);
  }

  private async setUnlocked(raw: Uint8Array): Promise<void> {
    this.cached = undefined;
    await this.arm(b64u(raw));
  }

  private async arm(rawB64: string): Promise<void> {
    const { idleMinutes } = await this.settings.get();
    const expiresAt = this.platform.now().getTime() + idleMinutes * 60_000;
    await this.session.set({ [SESSION_KEY]: { key: rawB64, expiresAt } satisfies SessionKey });
    await this.platform.alarms.create(AUTO_LOCK_ALARM, { when: expiresAt });
  }

  private async failures(): Promise<FailuresRecord | undefined> {
    return (await this.db.get('meta', 'unlockFailures')) as FailuresRecord | undefined;
  }

  private waitSeconds(failures: FailuresRecord | undefined): number {
    if (!failures) return 0;
    const until = failures.lastFailureAt + backoffSeconds(failures.count) * 1000;
    return Math.max(0, Math.ceil((until - this.platform.now().getTime()) / 1000));
  }

  /**
   * Re-encrypts the verifier and every secret under a key from `passphrase` with fresh KDF
   * parameters at this wallet's cost, in one transaction: all or nothing. Returns the new raw key.
   */
  private async rewrap(oldKey: CryptoKey, passphrase: string): Promise<Uint8Array> {
    const kdf: KdfParams = newKdfParams(this.kdfIterations);
    const raw = await deriveKeyBytes(passphrase, kdf);
    const newKey = await importAesKey(raw);
    const secrets: SecretRecord[] = [];
    for (const record of await this.db.getAll('secrets')) {
      const pt = await openRecord(oldKey, record.id, record.sealed);
      if (!pt) walletError('vaultCorrupted', `the record ${record.id} does not decrypt: it is damaged`);
      secrets.push({ id: record.id, sealed: await sealRecord(newKey, record.id, pt) });
    }
    const meta = await this.meta();
    if (!meta) return walletError('noVault', 'the vault disappeared');
    const verifier = await sealRecord(newKey, VERIFIER_AAD, utf8(VERIFIER_TEXT));
    // No awaits other than IndexedDB's inside the transaction, or it would commit early.
    const tx = this.db.transaction(['meta', 'secrets'], 'readwrite');
    await Promise.all([
      tx.objectStore('meta').put({ ...meta, kdf, verifier }),
      ...secrets.map((s) => tx.objectStore('secrets').put(s)),
      tx.done,
    ]);
    return raw;
  }
}

/** True when `key` opens the vault's verifier; `vaultCorrupted` when the verifier is malformed. */
export async function opensVerifier(key: CryptoKey, meta: Pick<VaultMeta, 'verifier'>): Promise<boolean> {
  const v = meta.verifier as Partial<Sealed> | undefined;
  if (typeof v?.iv !== 'string' || typeof v.ct !== 'string' || v.iv.length !== 16) {
    walletError('vaultCorrupted', 'the vault verifier is damaged');
  }
  const pt = await openRecord(key, VERIFIER_AAD, meta.verifier);
  return pt !== undefined && new TextDecoder().decode(pt) === VERIFIER_TEXT;
}

function checkPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || [...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    walletError('passphraseTooShort', `a passphrase has at least ${MIN_PASSPHRASE_LENGTH} characters`, {
      minimum: MIN_PASSPHRASE_LENGTH,
    });
  }
  if (passphrase.length > MAX_PASSPHRASE_LENGTH) {
    walletError('badMessage', 'the passphrase is too long', { problem: 'passphrase' });
  }
}

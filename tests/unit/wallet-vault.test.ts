// The wallet vault (src/wallet/vault): creation at ≥ 600,000 PBKDF2 iterations, unlock and lock,
// wrong passphrases and the back-off, auto-lock by alarm, surviving a service-worker restart
// through storage.session, locking on browser restart, raising the KDF cost, and the strength hint.
// Real WebCrypto, fake-indexeddb, WXT's fake browser for storage.session and alarms.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { fromB64u, utf8 } from '../../src/protocol/index.ts';
import {
  AUTO_LOCK_ALARM,
  createWallet,
  MIN_KDF_ITERATIONS,
  passphraseStrength,
  type Wallet,
  type WalletError,
  type WalletPlatform,
} from '../../src/wallet/index.ts';
import { PASS, rejects } from '../support/wallet-kit.ts';

const t0 = new Date('2030-01-01T10:00:00.000Z');

describe('wallet vault', () => {
  const factory = new IDBFactory();
  let now = t0;
  const platform: WalletPlatform = {
    indexedDB: factory,
    session: fakeBrowser.storage.session,
    alarms: fakeBrowser.alarms,
    now: () => now,
  };
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  let wallet: Wallet;
  const alarm = async () => (await fakeBrowser.alarms.getAll()).find((a) => a.name === AUTO_LOCK_ALARM);

  beforeAll(async () => {
    fakeBrowser.reset();
    wallet = await createWallet(platform);
    await wallet.vault.create(PASS);
  });

  it('creates the vault with its KDF parameters stored, and leaves it unlocked', async () => {
    const status = await wallet.vault.status();
    expect(status).toMatchObject({ exists: true, unlocked: true, retryInSeconds: 0 });
    const meta = await wallet.vault.meta();
    expect(meta?.kdf.alg).toBe('PBKDF2-SHA256');
    expect(meta?.kdf.iterations).toBe(600_000);
    expect(fromB64u(meta!.kdf.salt)).toHaveLength(16);
    // The auto-lock alarm is armed for the default 15 minutes.
    expect((await alarm())?.scheduledTime).toBe(now.getTime() + 15 * 60_000);
  });

  it('refuses a second vault, a weak KDF and a short passphrase', async () => {
    await rejects(wallet.vault.create('another passphrase'), 'vaultExists');
    await rejects(createWallet(platform, { kdfIterations: MIN_KDF_ITERATIONS - 1 }), 'kdfTooWeak');
    const fresh = await createWallet({ ...platform, indexedDB: new IDBFactory() });
    await rejects(fresh.vault.create('short'), 'passphraseTooShort');
  });

  it('seals records under the vault key with the record id bound in', async () => {
    const sealed = await wallet.vault.seal('card/a', utf8('4111111111111111'));
    expect(sealed.ct).not.toContain('4111');
    expect(new TextDecoder().decode(await wallet.vault.open('card/a', sealed))).toBe('4111111111111111');
    // Moved to another record id, it no longer opens.
    await rejects(wallet.vault.open('card/b', sealed), 'vaultCorrupted');
  });

  it('locks and unlocks', async () => {
    await wallet.vault.lock();
    expect((await wallet.vault.status()).unlocked).toBe(false);
    expect(await alarm()).toBeUndefined();
    await rejects(wallet.vault.key(), 'locked');
    await wallet.vault.unlock(PASS);
    expect((await wallet.vault.status()).unlocked).toBe(true);
  });

  it('survives a service-worker restart, and locks when the browser restarts', async () => {
    // A new Wallet over the same IndexedDB and storage.session: the worker came back.
    const again = await createWallet(platform);
    expect((await again.vault.status()).unlocked).toBe(true);
    expect(await again.vault.open('card/a', await wallet.vault.seal('card/a', utf8('x')))).toEqual(utf8('x'));
    // The browser restarted: storage.session is empty.
    const saved = await fakeBrowser.storage.session.get(null);
    await fakeBrowser.storage.session.clear();
    const afterRestart = await createWallet(platform);
    expect((await afterRestart.vault.status()).unlocked).toBe(false);
    await fakeBrowser.storage.session.set(saved);
  });

  it('slows down repeated wrong passphrases, persistently, and resets on success', async () => {
    await wallet.vault.lock();
    for (let i = 1; i <= 3; i++) {
      const e = await rejects(wallet.vault.unlock(`wrong passphrase ${i}`), 'wrongPassphrase');
      expect(e.params.failedAttempts).toBe(i);
    }
    // After three failures: wait 1 s; even the right passphrase is refused meanwhile.
    const throttled = await rejects(wallet.vault.unlock(PASS), 'unlockThrottled');
    expect(throttled.params.retryInSeconds).toBe(1);
    expect(throttled.messageKey).toBe('error_unlockThrottled');
    advance(1000);
    await rejects(wallet.vault.unlock('wrong passphrase 4'), 'wrongPassphrase');
    // The counter is in IndexedDB: a restarted wallet still waits, now 2 s.
    const restarted = await createWallet(platform);
    expect((await restarted.vault.status()).retryInSeconds).toBe(2);
    await rejects(restarted.vault.unlock(PASS), 'unlockThrottled');
    advance(2000);
    await restarted.vault.unlock(PASS);
    expect(await restarted.vault.status()).toMatchObject({
      unlocked: true,
      failedAttempts: 0,
      retryInSeconds: 0,
    });
  });

  it('locks itself after the idle time; activity postpones it', async () => {
    await wallet.vault.unlock(PASS);
    advance(10 * 60_000);
    await wallet.vault.touch();
    expect((await alarm())?.scheduledTime).toBe(now.getTime() + 15 * 60_000);
    advance(10 * 60_000);
    // An early or stale alarm does not lock before the idle time has passed.
    await wallet.onAlarm(AUTO_LOCK_ALARM);
    expect(await wallet.vault.isUnlocked()).toBe(true);
    await wallet.onAlarm('someone-else');
    advance(5 * 60_000);
    await wallet.onAlarm(AUTO_LOCK_ALARM);
    expect(await wallet.vault.isUnlocked()).toBe(false);
  });

  it('never uses a key past the idle time, even if the alarm was missed', async () => {
    await wallet.vault.unlock(PASS);
    await wallet.settings.setIdleMinutes(5);
    expect((await alarm())?.scheduledTime).toBe(now.getTime() + 5 * 60_000);
    advance(5 * 60_000 + 1);
    await rejects(wallet.vault.key(), 'locked');
    await rejects(wallet.settings.setIdleMinutes(0), 'badMessage');
    await wallet.settings.setIdleMinutes(15);
  });

  it('raises the KDF cost of an older vault on unlock, keeping every record', async () => {
    await wallet.vault.unlock(PASS);
    const secret = await wallet.vault.seal('card/z', utf8('PAN 4111'));
    await wallet.db.put('secrets', { id: 'card/z', sealed: secret });
    const before = (await wallet.vault.meta())!.kdf;
    await wallet.vault.lock();

    const stronger = await createWallet(platform, { kdfIterations: 650_000 });
    expect(await stronger.vault.unlock(PASS)).toEqual({ kdfUpgraded: true });
    const after = (await stronger.vault.meta())!.kdf;
    expect(after.iterations).toBe(650_000);
    expect(after.salt).not.toBe(before.salt);
    const record = await stronger.db.get('secrets', 'card/z');
    expect(record!.sealed.ct).not.toBe(secret.ct);
    expect(new TextDecoder().decode(await stronger.vault.open('card/z', record!.sealed))).toBe('PAN 4111');
    await stronger.vault.lock();
    expect(await stronger.vault.unlock(PASS)).toEqual({ kdfUpgraded: false });
    await stronger.db.delete('secrets', 'card/z');
  });

  it('changes the passphrase', async () => {
    await rejects(wallet.vault.changePassphrase('not it at all', 'a new passphrase'), 'wrongPassphrase');
    await wallet.vault.changePassphrase(PASS, 'a new long passphrase');
    expect(await wallet.vault.isUnlocked()).toBe(true);
    await wallet.vault.lock();
    await rejects(wallet.vault.unlock(PASS), 'wrongPassphrase');
    await wallet.vault.unlock('a new long passphrase');
    await wallet.vault.changePassphrase('a new long passphrase', PASS);
  });

  it('counts every one of many concurrent wrong guesses, and lets none through the back-off', async () => {
    await wallet.vault.lock();
    advance(10 * 60_000);
    // Ten guesses at once, the right one last: each waits for the one before it to be counted.
    const guesses = [...Array.from({ length: 9 }, (_, i) => `concurrent guess ${i}`), PASS];
    const results = await Promise.allSettled(guesses.map((g) => wallet.vault.unlock(g)));
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as WalletError).code : 'unlocked'));
    // Three free guesses, then the back-off refuses the rest (the right passphrase too) unread.
    expect(codes).toEqual([
      'wrongPassphrase',
      'wrongPassphrase',
      'wrongPassphrase',
      ...Array(7).fill('unlockThrottled'),
    ]);
    expect(await wallet.vault.isUnlocked()).toBe(false);
    expect((await wallet.vault.status()).failedAttempts).toBe(3);
    advance(1000);
    await wallet.vault.unlock(PASS);
  });

  it('changePassphrase obeys the back-off, counts a wrong old passphrase, and never unlocks by itself', async () => {
    await wallet.vault.lock();
    // Locked: refused before the passphrase is even tried, so it cannot serve as an unlock.
    await rejects(wallet.vault.changePassphrase(PASS, 'another long passphrase'), 'locked');
    expect(await wallet.vault.isUnlocked()).toBe(false);
    expect((await wallet.vault.status()).failedAttempts).toBe(0);
    await wallet.vault.unlock(PASS);
    // Unlocked: wrong old passphrases count like wrong unlocks, concurrently too.
    const tries = await Promise.allSettled(
      [1, 2, 3, 4].map((i) => wallet.vault.changePassphrase(`wrong old ${i}`, 'another long passphrase')),
    );
    expect(tries.map((r) => (r.status === 'rejected' ? (r.reason as WalletError).code : 'changed'))).toEqual([
      'wrongPassphrase',
      'wrongPassphrase',
      'wrongPassphrase',
      'unlockThrottled',
    ]);
    // The right old passphrase is refused during the back-off as well; the passphrase is unchanged.
    await rejects(wallet.vault.changePassphrase(PASS, 'another long passphrase'), 'unlockThrottled');
    await wallet.vault.lock();
    advance(1000);
    await wallet.vault.unlock(PASS);
    expect((await wallet.vault.status()).failedAttempts).toBe(0);
  });

  it("refuses a backup asking for more than 10× this wallet's KDF cost, before deriving anything", async () => {
    await wallet.vault.unlock(PASS);
    const file = JSON.parse(await wallet.exportBackup()) as { kdf: { iterations: number } };
    const fresh = await createWallet({ ...platform, indexedDB: new IDBFactory() });
    for (const iterations of [MIN_KDF_ITERATIONS * 10 + 1, 100_000_000]) {
      const costly = JSON.stringify({ ...file, kdf: { ...file.kdf, iterations } });
      const started = Date.now();
      const e = await rejects(fresh.restoreBackup(costly, PASS), 'backupKdfTooCostly');
      // Refused at once: 6,000,001 PBKDF2 rounds alone would take seconds.
      expect(Date.now() - started).toBeLessThan(1000);
      expect(e.params).toEqual({ iterations, maximum: MIN_KDF_ITERATIONS * 10 });
      expect(e.messageKey).toBe('error_backupKdfTooCostly');
      expect((await fresh.vault.status()).exists).toBe(false);
    }
    expect(await fresh.restoreBackup(JSON.stringify(file), PASS)).toEqual({ cards: 0, receipts: 0 });
  });
});

describe('passphrase strength', () => {
  it('scores from 0 to 4 with a hint', () => {
    expect(passphraseStrength('abc')).toMatchObject({ score: 0, hintKey: 'strength_tooShort' });
    expect(passphraseStrength('password1')).toMatchObject({ hintKey: 'strength_common' });
    expect(passphraseStrength('password1').score).toBeLessThanOrEqual(1);
    expect(passphraseStrength('abcdefgh12345').hintKey).toBe('strength_sequence');
    expect(passphraseStrength('aaaaaaaaaaaa').score).toBe(0);
    expect(passphraseStrength('Tr0ub4dor&3x').score).toBeGreaterThanOrEqual(2);
    expect(passphraseStrength(PASS)).toMatchObject({ score: 4, hintKey: 'strength_good' });
  });
});

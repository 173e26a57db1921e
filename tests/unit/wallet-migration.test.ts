// Schema migration of the wallet database (src/wallet/vault/db.ts): a version-1 database, written
// raw as the first release laid it out, is opened by the current code, upgraded to the current
// version, and loses nothing: the passphrase still unlocks, every card is listed with the same
// default, and every card's sealed secrets still open and sign.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { b64u, buildPInitReq, buildPReq, hex, utf8, verifyPInitRes } from '../../src/protocol/index.ts';
import {
  createWallet,
  DB_VERSION,
  deriveKeyBytes,
  importAesKey,
  newKdfParams,
  sealRecord,
  WALLET_DB_NAME,
  type WalletPlatform,
} from '../../src/wallet/index.ts';
import { MIGRATIONS, openWalletDb } from '../../src/wallet/vault/db.ts';
import { issueCardholder, makeWorld, TestMerchant } from '../support/world.ts';

const PASS = 'correct horse battery staple';

/** Writes the version-1 layout with the raw IndexedDB API. */
function seedV1(factory: IDBFactory, meta: object, cards: object[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = factory.open(WALLET_DB_NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('meta', { keyPath: 'id' });
      db.createObjectStore('cards', { keyPath: 'id' });
    };
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['meta', 'cards'], 'readwrite');
      tx.objectStore('meta').put(meta);
      for (const c of cards) tx.objectStore('cards').put(c);
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

describe('wallet database migrations', () => {
  it('upgrades a version-1 database to the current version without losing anything', async () => {
    expect(DB_VERSION).toBe(3);
    const world = makeWorld();
    const factory = new IDBFactory();
    const kdf = newKdfParams(600_000);
    const key = await importAesKey(await deriveKeyBytes(PASS, kdf));
    const holders = [issueCardholder(world, '4111111111111111'), issueCardholder(world, '5555555555554444')];
    const v1Cards = await Promise.all(
      holders.map(async (h, i) => {
        const id = `card-${i}`;
        const secrets = {
          pan: h.card.pan,
          expiry: h.card.expiry,
          cardSecret: b64u(h.card.cardSecret),
          panSecret: b64u(h.card.panSecret),
          privateKey: b64u(h.privateKey),
        };
        return {
          id,
          brand: 'SETPay',
          bin: h.card.pan.slice(0, 6),
          last4: h.card.pan.slice(-4),
          certificate: b64u(h.certificate.der),
          chain: h.chain.slice(1).map((c) => b64u(c.der)),
          rootThumbprint: hex(world.root.thumbprint),
          addedAt: `2029-01-0${i + 1}T00:00:00.000Z`,
          isDefault: i === 1,
          sealed: await sealRecord(key, `card/${id}`, utf8(JSON.stringify(secrets))),
        };
      }),
    );
    await seedV1(
      factory,
      {
        id: 'vault',
        iterations: kdf.iterations,
        salt: kdf.salt,
        verifier: await sealRecord(key, 'vault/verifier', utf8('SET Wallet vault verifier')),
        createdAt: '2029-01-01T00:00:00.000Z',
      },
      v1Cards,
    );

    const memory = new Map<string, unknown>();
    const platform: WalletPlatform = {
      indexedDB: factory,
      session: {
        get: async (k) => (typeof k === 'string' && memory.has(k) ? { [k]: memory.get(k) } : {}),
        set: async (items) => {
          for (const [k, v] of Object.entries(items)) memory.set(k, v);
        },
        remove: async (k) => {
          for (const x of typeof k === 'string' ? [k] : k) memory.delete(x);
        },
      },
      alarms: { create: () => {}, clear: async () => true },
      now: () => world.clock.now,
    };
    const wallet = await createWallet(platform);
    expect(wallet.db.raw.version).toBe(3);
    expect([...wallet.db.raw.objectStoreNames].sort()).toEqual([
      'cards',
      'meta',
      'receipts',
      'registrations',
      'roots',
      'secrets',
    ]);

    // The vault record now names its KDF; the same passphrase unlocks.
    const meta = await wallet.vault.meta();
    expect(meta).toMatchObject({
      format: 2,
      kdf: { alg: 'PBKDF2-SHA256', iterations: 600_000, salt: kdf.salt },
    });
    await wallet.vault.unlock(PASS);

    // Every card, the same default, secrets moved out of the card records and still opening.
    const cards = await wallet.cards.list();
    expect(cards.map((c) => [c.id, c.last4, c.expiry, c.isDefault])).toEqual([
      ['card-0', '1111', '202912', false],
      ['card-1', '4444', '202912', true],
    ]);
    for (const raw of await wallet.db.getAll('cards')) expect(raw).not.toHaveProperty('sealed');
    expect((await wallet.db.getAll('secrets')).map((s) => s.id).sort()).toEqual([
      'card/card-0',
      'card/card-1',
    ]);

    // A migrated card still signs a PReq the merchant accepts.
    const signer = await wallet.cards.signer('card-1');
    expect(signer.card.pan).toBe('5555555555554444');
    const merchant = new TestMerchant(world);
    const pinitReq = buildPInitReq({
      lidC: 'w',
      lidM: 'o',
      brandId: 'SETPay',
      bin: '555555',
      now: world.clock.now,
    });
    const trust = world.trust();
    const pinit = await verifyPInitRes(
      await merchant.pinit(JSON.stringify(pinitReq.wire)),
      pinitReq.content,
      {
        trust,
        clock: world.clock,
      },
    );
    const preq = await buildPReq({
      pinit,
      card: signer.card,
      cardholder: signer.cardholder,
      bin: '555555',
      swIdent: 'test',
      now: world.clock.now,
    });
    expect(
      (await merchant.preqToAuthReq(JSON.stringify(preq.wire))).verified.cardholder?.chain[0]?.thumbprint,
    ).toEqual(holders[1]!.certificate.thumbprint);
    wallet.close();

    // Opening again does not migrate twice.
    const reopened = await createWallet(platform);
    expect((await reopened.cards.list()).map((c) => c.id)).toEqual(['card-0', 'card-1']);
  });

  it('a step that fails aborts the whole upgrade: the database stays at its version with its records as they were', async () => {
    const factory = new IDBFactory();
    const vault = { id: 'vault', iterations: 600_000, salt: 'c2FsdA', verifier: { iv: 'aXY', ct: 'Y3Q' } };
    const card = {
      id: 'card-0',
      brand: 'SETPay',
      last4: '1111',
      isDefault: true,
      sealed: { iv: 'aXY', ct: 'Y3Q' },
    };
    await seedV1(factory, vault, [card]);
    // Version 2 rewrites every card and the vault record; the step after it fails.
    const failing = [
      ...MIGRATIONS.filter((m) => m.version <= 2),
      {
        version: 3,
        run(db: IDBDatabase) {
          db.createObjectStore('registrations', { keyPath: 'id' });
          throw new Error('this step fails');
        },
      },
    ];
    await expect(openWalletDb(factory, WALLET_DB_NAME, failing)).rejects.toBeTruthy();

    const raw = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(WALLET_DB_NAME);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    expect(raw.version).toBe(1);
    expect([...raw.objectStoreNames].sort()).toEqual(['cards', 'meta']);
    const read = (store: string, key: string) =>
      new Promise<unknown>((resolve, reject) => {
        const req = raw.transaction(store).objectStore(store).get(key);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    expect(await read('meta', 'vault')).toEqual(vault);
    expect(await read('cards', 'card-0')).toEqual(card);
    raw.close();

    // The real steps then upgrade the same database in full.
    const db = await openWalletDb(factory);
    expect(db.raw.version).toBe(DB_VERSION);
    expect(await db.getAll('cards')).toEqual([{ id: 'card-0', brand: 'SETPay', last4: '1111' }]);
    db.raw.close();
  });
});

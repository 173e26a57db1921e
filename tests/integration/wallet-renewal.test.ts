// The wallet's card renewal and pending registrations (issue 13) against the issuer site's real
// CCA over real HTTP (PGlite), with real keys: the wallet (src/wallet over fake-indexeddb) registers
// through a stand-in for the issuer page's transport, then renews and asks "check again" itself,
// from the extension's origin, as its background does (the CCA's answers must be readable by it).
// The CCA issues 20-day certificates here, so a card is due for renewal at once.
import 'fake-indexeddb/auto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerSite, type IssuerSite } from '../../src/ca/index.ts';
import { b64u, certificateToPem, fromB64u, parseCertificate, randomNonce } from '../../src/protocol/index.ts';
import { RENEWAL_WINDOW_MS } from '../../src/wallet/cards.ts';
import {
  createWallet,
  type Send,
  type Wallet,
  WalletError,
  type WalletPlatform,
} from '../../src/wallet/index.ts';
import { backends } from '../support/databases.ts';
import { memorySession } from '../support/memory-session.ts';
import { makeWorld } from '../support/world.ts';
import { worldCas } from '../support/world-issuer.ts';

const world = makeWorld();
const PASS = 'correct horse battery staple';
const PAN = '4111111111111111';
const PENDING_PAN = '4000000000003063';
const ANSWERS = { fullName: 'Ada Lovelace', postcode: 'N1 9GU' };
const DAY = 24 * 60 * 60_000;
const EXTENSION = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
const backend = backends.find((b) => b.name === 'pglite')!;

let clock = new Date();
let site: IssuerSite;
let server: ServerType;
let origin: string;
let endpoint: string;
let drop: () => Promise<void>;
/** Types of the messages the wallet's background sent itself, in order. */
const direct: string[] = [];
/** When set, the next direct request of this type reaches the CA but its answer is lost. */
let loseAnswerTo: string | undefined;
/** When set, the next direct request of this type never reaches the CA. */
let failBefore: string | undefined;

beforeAll(async () => {
  const opened = await backend.open();
  drop = opened.drop;
  site = await createIssuerSite({
    db: opened.db,
    ...worldCas(world),
    testCards: [{ pan: PAN, behaviour: 'approve', label: 'Approves' }],
    adminToken: b64u(randomNonce()),
    issuerName: 'SETPay Sandbox Bank',
    cardholderValidityMs: 20 * DAY,
    now: () => clock,
    log: () => {},
  });
  server = serve({ fetch: site.app.fetch, port: 0, hostname: '127.0.0.1' });
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint = `${origin}/set/cca`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await drop?.();
});

const typeOf = (body: unknown) => (JSON.parse(String(body)) as { type: string }).type;

/** The background's fetch as a browser runs it: from the extension's origin, readable only under CORS. */
const extensionFetch: typeof fetch = async (input, init) => {
  const type = typeOf(init?.body);
  direct.push(type);
  if (failBefore === type) {
    failBefore = undefined;
    throw new TypeError('Failed to fetch');
  }
  const headers = new Headers(init?.headers);
  headers.set('origin', EXTENSION);
  const res = await fetch(input, { ...init, headers });
  if (res.headers.get('access-control-allow-origin') !== EXTENSION) throw new TypeError('CORS: not readable');
  if (loseAnswerTo === type) {
    loseAnswerTo = undefined;
    await res.arrayBuffer();
    throw new TypeError('network error: the connection was reset');
  }
  return res;
};

/** The issuer page's transport (the content script posts same-origin): here a plain POST. */
const page: Send = async (wire) => {
  if (loseAnswerTo === typeOf(wire)) {
    loseAnswerTo = undefined;
    await (await fetch(endpoint, { method: 'POST', body: wire })).text();
    throw new Error('the page went away');
  }
  return await (await fetch(endpoint, { method: 'POST', body: wire })).text();
};

function platformOn(factory: IDBFactory): WalletPlatform {
  return {
    indexedDB: factory,
    session: memorySession(),
    alarms: { create: () => {}, clear: async () => true },
    now: () => clock,
    fetch: extensionFetch,
  };
}

async function newWallet(factory = new IDBFactory()): Promise<Wallet> {
  const wallet = await createWallet(platformOn(factory));
  await wallet.vault.create(PASS);
  const proposal = await wallet.roots.propose(certificateToPem(world.root.der));
  await wallet.roots.confirm(proposal.fingerprint);
  return wallet;
}

async function register(wallet: Wallet, pan = PAN) {
  const initiation = JSON.stringify({
    set: 'SET/2',
    kind: 'registration',
    brand: 'SETPay',
    endpoint: '/set/cca',
  });
  const started = await wallet.registrations.start({ initiation, origin }, page);
  const form = await wallet.registrations.enterCard(started.registrationId, { pan, expiry: '203012' }, page);
  return wallet.registrations.submit(form.registrationId, ANSWERS, page);
}

const renew = (wallet: Wallet, cardId: string) =>
  wallet.registrations.renew(cardId, (url) => async (wire) => {
    const res = await extensionFetch(url, { method: 'POST', body: wire });
    return await res.text();
  });

const inquire = (wallet: Wallet, registrationId: string) =>
  wallet.registrations.inquire(registrationId, async (wire) => {
    const res = await extensionFetch(endpoint, { method: 'POST', body: wire });
    return await res.text();
  });

async function failure(p: Promise<unknown>): Promise<WalletError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WalletError);
  return e as WalletError;
}

/** What the vault holds for a card: its record and its signing key. */
async function held(wallet: Wallet, cardId: string) {
  const { record, cardholder } = await wallet.cards.signer(cardId);
  return { certificate: record.certificate, key: b64u(cardholder.privateKey) };
}

describe('card renewal in the wallet', () => {
  it('offers renewal within 30 days of expiry and renews the same card: new certificate and key, same id', async () => {
    clock = new Date();
    const wallet = await newWallet();
    const done = await register(wallet);
    expect(done.step).toBe('done');
    const card = done.card!;
    expect(card.renewal).toBe('due');
    expect(card.registeredAt).toBe(origin);
    const before = await held(wallet, card.id);
    const oldCert = parseCertificate(fromB64u(before.certificate, 'certificate'));

    direct.length = 0;
    clock = new Date(clock.getTime() + DAY);
    await wallet.vault.unlock(PASS); // the day idle locked it
    const renewed = await renew(wallet, card.id);
    expect(renewed.step).toBe('done');
    expect(direct).toEqual(['CardCInitReq', 'RegFormReq', 'CertReq']);
    expect(renewed.card).toMatchObject({ id: card.id, isDefault: true, last4: '1111', expiry: '203012' });
    expect(renewed.card!.renewedAt).toBe(clock.toISOString());
    const after = await held(wallet, card.id);
    expect(after.key).not.toBe(before.key);
    const newCert = parseCertificate(fromB64u(after.certificate, 'certificate'));
    expect(b64u(newCert.uniqueCardholderId!)).toBe(b64u(oldCert.uniqueCardholderId!));
    expect(newCert.notAfter.getTime()).toBeGreaterThan(oldCert.notAfter.getTime());
    expect(await wallet.cards.list()).toHaveLength(1);
    // Still due (20-day certificates): it renews again, with the new key co-signing.
    const again = await renew(wallet, card.id);
    expect(again.step).toBe('done');
  });

  it('a refused renewal and a renewal cut off before it reached the CA leave the card as it was', async () => {
    clock = new Date();
    const wallet = await newWallet();
    const card = (await register(wallet)).card!;
    const before = await held(wallet, card.id);
    // The CA refuses: the certificate was revoked meanwhile.
    const serial = parseCertificate(fromB64u(before.certificate, 'certificate')).serialNumber;
    expect((await site.revoke(serial)).status).toBe('revoked');
    const refused = await renew(wallet, card.id);
    expect(refused.step).toBe('rejected');
    expect(refused.reason).toMatch(/revoked/);
    expect(await held(wallet, card.id)).toEqual(before);

    const other = await newWallet();
    const live = (await register(other)).card!;
    const kept = await held(other, live.id);
    failBefore = 'RegFormReq';
    const e = await failure(renew(other, live.id));
    expect(e.code).toBe('transport');
    expect(await held(other, live.id)).toEqual(kept);
    expect(await other.registrations.pending()).toEqual([]);
  });

  it('an expired card says so and cannot sign its renewal; registering it again renews the same card', async () => {
    clock = new Date();
    const wallet = await newWallet();
    const card = (await register(wallet)).card!;
    const before = await held(wallet, card.id);
    clock = new Date(Date.parse(card.validTo) + 1000);
    await wallet.vault.unlock(PASS);
    expect((await wallet.cards.summary(card.id)).renewal).toBe('expired');
    direct.length = 0;
    const e = await failure(renew(wallet, card.id));
    expect(e.code).toBe('cardExpired');
    expect(e.params.origin).toBe(origin);
    expect(direct).toEqual([]);
    // At the bank's site again: the same card number renews the card instead of adding one.
    const again = await register(wallet);
    expect(again.step).toBe('done');
    expect(again.card).toMatchObject({ id: card.id, renewal: 'due' });
    expect((await held(wallet, card.id)).key).not.toBe(before.key);
    expect(await wallet.cards.list()).toHaveLength(1);
  });

  it('the window is 30 days', () => {
    expect(RENEWAL_WINDOW_MS).toBe(30 * DAY);
  });
});

describe('pending registrations', () => {
  it('kept across a browser restart, then finished by "check again" (CertInqReq)', async () => {
    clock = new Date();
    const factory = new IDBFactory();
    const wallet = await newWallet(factory);
    const pending = await register(wallet, PENDING_PAN);
    expect(pending.step).toBe('pending');
    expect(pending.reason).toMatch(/reviewing/);
    // Its window closes (which ends a registration at any other step): the wallet keeps it.
    await wallet.registrations.cancel(pending.registrationId);
    // The browser restarts: storage.session is gone, the vault is locked.
    const restarted = await createWallet(platformOn(factory));
    const listed = await restarted.registrations.pending();
    expect(listed).toEqual([
      expect.objectContaining({ registrationId: pending.registrationId, last4: '3063', origin }),
    ]);
    expect((await failure(inquire(restarted, pending.registrationId))).code).toBe('locked');
    await restarted.vault.unlock(PASS);
    direct.length = 0;
    const done = await inquire(restarted, pending.registrationId);
    expect(done.step).toBe('done');
    expect(direct).toEqual(['CertInqReq']);
    expect(done.card).toMatchObject({ last4: '3063', registeredAt: origin });
    expect(await restarted.registrations.pending()).toEqual([]);
    expect((await failure(inquire(restarted, pending.registrationId))).code).toBe('unknownRegistration');
  });

  it('a CertRes lost in transit is fetched again: the same certificate, one card', async () => {
    clock = new Date();
    const wallet = await newWallet();
    loseAnswerTo = 'CertReq';
    const lost = await register(wallet);
    expect(lost).toMatchObject({ step: 'pending', lost: true });
    direct.length = 0;
    const done = await inquire(wallet, lost.registrationId);
    // The CA saw the CertReq: the inquiry gets its certificate, no second CertReq is sent.
    expect(direct).toEqual(['CertInqReq']);
    expect(done.step).toBe('done');
    expect(await wallet.cards.list()).toHaveLength(1);
  });

  it('a renewal whose CertReq never reached the CA is sent again, the same bytes, at "check again"', async () => {
    clock = new Date();
    const wallet = await newWallet();
    const card = (await register(wallet)).card!;
    failBefore = 'CertReq';
    const lost = await renew(wallet, card.id);
    expect(lost).toMatchObject({ step: 'pending', lost: true, renews: card.id });
    // Renewing again while one is pending is refused: check again instead.
    expect((await failure(renew(wallet, card.id))).code).toBe('wrongStep');
    direct.length = 0;
    const done = await inquire(wallet, lost.registrationId);
    expect(direct).toEqual(['CertInqReq', 'CertReq']);
    expect(done).toMatchObject({ step: 'done', card: { id: card.id } });
    expect(await wallet.cards.list()).toHaveLength(1);
  });
});

describe('the CCA answers a wallet background, and only browser extensions cross-origin', () => {
  it('preflight for extension origins only; answers carry the extension origin', async () => {
    const preflight = (from: string) =>
      fetch(endpoint, {
        method: 'OPTIONS',
        headers: {
          origin: from,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    for (const from of [EXTENSION, 'moz-extension://0b3f1c2e-5d4a-4b8e-9f1a-2c3d4e5f6a7b']) {
      const ok = await preflight(from);
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(from);
    }
    for (const from of ['https://evil.example', 'null']) {
      const refused = await preflight(from);
      expect(refused.status).toBe(405);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
    const fromPage = await fetch(endpoint, {
      method: 'POST',
      body: '{}',
      headers: { origin: 'https://evil.example' },
    });
    expect(fromPage.status).toBe(400);
    expect(fromPage.headers.get('access-control-allow-origin')).toBeNull();
    // The MCA stays closed to extensions.
    const mca = await fetch(`${origin}/set/mca`, {
      method: 'POST',
      body: '{}',
      headers: { origin: EXTENSION },
    });
    expect(mca.headers.get('access-control-allow-origin')).toBeNull();
  });
});

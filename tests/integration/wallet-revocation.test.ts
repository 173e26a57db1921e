// The wallet checks revocation (issue 8 item 3), over real HTTP against the sandbox: the real
// wallet (src/wallet, fake-indexeddb) pays at the demo store's SET endpoint. PInitRes carries the
// BrandCRLIdentifier and the CRLs in force when the wallet's thumbs show it lacks them; the wallet
// keeps them and lists them next time; and once the issuer site revokes the merchant's signature
// certificate at the MCA, or the gateway's key-exchange certificate at the PCA, the wallet refuses
// at PInitRes, before it asks the shopper anything and before any PI is sealed.
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  b64u,
  brandCrlIdentifierThumb,
  certificateToPem,
  decodeWire,
  fromB64u,
  PAYMENT_INITIATION_TYPE,
  type ParsedCertificate,
  parseCertificate,
  parsePInitReq,
  type SignedBody,
  sha256,
  TrustStore,
} from '../../src/protocol/index.ts';
import { startSandbox } from '../../src/sandbox/sandbox.ts';
import { createWallet, pageOutcomeOf, type WalletPlatform } from '../../src/wallet/index.ts';
import { pgliteTemplate } from '../support/databases.ts';
import { registerOverHttp } from '../support/http-wallet.ts';
import { scriptOf } from '../support/initiations.ts';
import { memorySession } from '../support/memory-session.ts';
import { placeOrder, storeShopper } from '../support/store-shopper.ts';

const PASS = 'correct horse battery staple';
const APPROVE = '4111111111111111';

/** A sandbox, a wallet that trusts its root and holds a registered card, and the store's SET endpoint over HTTP. */
async function setUp() {
  const dataDir = mkdtempSync(join(tmpdir(), 'set-wallet-revocation-'));
  const sandbox = await startSandbox({
    port: 0,
    dataDir,
    databaseTemplate: await pgliteTemplate(),
    issuerTimeoutMs: 300,
    log: () => {},
  });
  const platform: WalletPlatform = {
    indexedDB: new IDBFactory(),
    session: memorySession(),
    alarms: { create: () => {}, clear: async () => true },
    now: () => new Date(),
  };
  const wallet = await createWallet(platform);
  await wallet.vault.create(PASS);
  const pem = certificateToPem(sandbox.root.der);
  await wallet.roots.confirm((await wallet.roots.propose(pem)).fingerprint);
  const ch = await registerOverHttp(`${sandbox.urls.issuer}/set/cca`, sandbox.root, APPROVE);
  const trust = new TrustStore([sandbox.root]);
  for (const c of ch.chain) trust.add(c);
  const path = await trust.verify(
    ch.certificate.thumbprint,
    { types: ['cardholder'], keyRole: 'signature' },
    { now: new Date() },
  );
  await wallet.cards.add({ brand: 'SETPay', ...ch.card, privateKey: ch.privateKey, path });
  const sent: string[] = [];
  const received: string[] = [];
  const send = async (wire: string) => {
    sent.push(wire);
    const res = await fetch(`${sandbox.urls.store}/set`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: wire,
    });
    const text = await res.text();
    received.push(text);
    return text;
  };
  return {
    sandbox,
    wallet,
    send,
    sent,
    received,
    close: async () => {
      wallet.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Places an order at the store as a shopper and returns the payment initiation its page declares. */
async function checkout(store: string): Promise<string> {
  const shop = storeShopper(store);
  const page = await shop.request(`/orders/${await placeOrder(shop, { poster: 1 })}`);
  const initiation = scriptOf(page.text, PAYMENT_INITIATION_TYPE);
  if (!initiation) throw new Error('the order page declares no payment initiation');
  return initiation;
}

/** The carried certificate of `type`/`role` in a PInitRes. */
function carried(pinitRes: string, type: string, role: string): ParsedCertificate {
  const found = (decodeWire(pinitRes).certs ?? [])
    .map((c) => parseCertificate(fromB64u(c)))
    .find((c) => c.certificateType === type && c.keyRole === role);
  if (!found) throw new Error(`PInitRes carries no ${type} ${role} certificate`);
  return found;
}

let tab = 0;
async function start(s: Awaited<ReturnType<typeof setUp>>) {
  const initiation = await checkout(s.sandbox.urls.store);
  return s.wallet.purchases.start({ tabId: ++tab, tabOrigin: s.sandbox.urls.store, initiation }, s.send);
}

for (const target of ['merchant signature', 'gateway key-exchange'] as const) {
  describe(`the ${target} certificate revoked at its CA`, () => {
    let s: Awaited<ReturnType<typeof setUp>>;
    beforeAll(async () => {
      s = await setUp();
    }, 120_000);
    afterAll(async () => {
      await s?.close();
    });

    if (target === 'merchant signature') {
      it('a merchant that sends no revocation information is refused: the wallet cannot tell what is revoked', async () => {
        const sendBare = async (wire: string) => {
          const reply = JSON.parse(await s.send(wire)) as { bci?: unknown; crls?: unknown };
          delete reply.bci;
          delete reply.crls;
          return JSON.stringify(reply);
        };
        const initiation = await checkout(s.sandbox.urls.store);
        const view = await s.wallet.purchases.start(
          { tabId: ++tab, tabOrigin: s.sandbox.urls.store, initiation },
          sendBare,
        );
        expect(view.state).toBe('failed');
        expect(view.error).toMatchObject({ code: 'revocationUnknown', params: { brand: 'SETPay' } });
        s.sent.length = 0;
        s.received.length = 0;
      });
    }

    it('before: PInitRes brings the BrandCRLIdentifier and CRLs, which the wallet keeps and lists next time', async () => {
      const first = await start(s);
      expect(first.state).toBe('awaitingConfirmation');
      const pinitRes = decodeWire(s.received.at(-1)!);
      expect(pinitRes.bci).toBeDefined();
      expect(pinitRes.crls).toHaveLength(4);
      await s.wallet.purchases.cancel(first.requestId);

      const second = await start(s);
      expect(second.state).toBe('awaitingConfirmation');
      const req = parsePInitReq(s.sent.at(-1)!, { now: new Date() });
      expect(req.thumbs).toContain(brandCrlIdentifierThumb(pinitRes.bci as SignedBody));
      for (const crl of pinitRes.crls!) expect(req.thumbs).toContain(b64u(sha256(fromB64u(crl))));
      // It held everything: the merchant attached nothing this time.
      const again = decodeWire(s.received.at(-1)!);
      expect(again.bci).toBeUndefined();
      expect(again.crls).toBeUndefined();
      await s.wallet.purchases.cancel(second.requestId);
    });

    it('after the CA revokes it, the purchase is refused before anything is asked: nothing asked, nothing sealed', async () => {
      const pinitRes = s.received.find((r) => decodeWire(r).type === 'PInitRes')!;
      const cert =
        target === 'merchant signature'
          ? carried(pinitRes, 'merchant', 'signature')
          : carried(pinitRes, 'gateway', 'key-exchange');
      const result = await s.sandbox.issuer.revoke(cert.serialNumber);
      expect(result.status).toBe('revoked');

      const view = await start(s);
      expect(view.state).toBe('failed');
      if (target === 'gateway key-exchange') {
        // The merchant fetches the gateway's certificates itself (PCertReq) and checks them against
        // the CRLs in force: it refuses to sell with a revoked gateway key, with a signed Error the
        // wallet reports as the merchant's. Nothing asked, nothing sealed, all the same.
        expect(view.error).toMatchObject({ code: 'peerError', setCode: 'revokedCertificate' });
        expect(decodeWire(s.received.at(-1)!).type).toBe('Error');
        expect(view.cards).toBeUndefined();
        expect(view.order).toBeUndefined();
        expect(pageOutcomeOf(view)).toEqual({ status: 'failed', code: 'revokedCertificate' });
        expect(s.sent.filter((w) => decodeWire(w).type === 'PReq')).toHaveLength(0);
        return;
      }
      expect(view.error).toMatchObject({
        code: 'certificateRevoked',
        messageKey: 'error_certificateRevoked',
        setCode: 'revokedCertificate',
      });
      // Nothing for the shopper to confirm, and the page learns only the SET code.
      expect(view.cards).toBeUndefined();
      expect(view.order).toBeUndefined();
      expect(pageOutcomeOf(view)).toEqual({ status: 'failed', code: 'revokedCertificate' });
      // The new CRL came with PInitRes (the wallet's thumbs named the old BrandCRLIdentifier).
      expect(decodeWire(s.received.at(-1)!).bci).toBeDefined();
      // No PReq ever left the wallet: no PI was sealed to the gateway.
      expect(s.sent.filter((w) => decodeWire(w).type === 'PReq')).toHaveLength(0);
      // And again, from what the wallet kept (the merchant attaches nothing now).
      const again = await start(s);
      expect(again.error?.code).toBe('certificateRevoked');
      expect(decodeWire(s.received.at(-1)!).crls).toBeUndefined();
    });
  });
}

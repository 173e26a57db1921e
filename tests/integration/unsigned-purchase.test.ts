// The unsigned purchase (SET-PROFILE §4 Purchase 11) end to end over real HTTP, on both storage
// backends: a cardholder without a certificate sends PIUnsigned (PANToken sealed to the gateway,
// no dual signature). A merchant that accepts it, behind a gateway whose certificate says
// cardCertRequired false, gets it authorized; the merchant refuses it (signatureRequired, no
// AuthReq sent) when it does not accept it or its gateway requires card certificates; and a gateway
// that requires them refuses an unsigned PI in an AuthReq sent straight to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGateway,
  createIssuerSimulator,
  DEFAULT_TEST_CARDS,
  type Gateway,
  type Listening,
  listen,
} from '../../src/gateway/index.ts';
import {
  createGatewayClient,
  createSetEndpoint,
  MemoryOrderStore,
  type MerchantKeys,
} from '../../src/merchant/index.ts';
import {
  buildAuthReq,
  buildPInitReq,
  carriedCerts,
  generateKeyPair,
  issueEndEntity,
  readError,
  verifyPReq,
} from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { backends } from '../support/databases.ts';
import { PROCESS_TEST_TIMEOUT_MS } from '../support/deadlines.ts';
import { issueCardholder, makeWorld, revocationOf, TestMerchant, TestWallet } from '../support/world.ts';
import { type Served, serve } from './merchant-support.ts';

const world = makeWorld();
const keys: MerchantKeys = { signature: world.merchant, keyExchange: world.merchantKx };
const ctx = () => ({ trust: world.trust(), clock: { now: new Date() } });
const DAY = 86_400_000;

/** A gateway of the same PCA whose certificates say cardCertRequired false. */
function openGateway() {
  const validity = { notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + DAY) };
  const subject = {
    commonName: 'SET/2 Sandbox Gateway without card certificates',
    organization: 'Open Acquirer',
  };
  const make = (keyRole: 'signature' | 'key-exchange') => {
    const { privateKey, publicKey } = generateKeyPair();
    const certificate = issueEndEntity(world.issuer('pca'), {
      certificateType: 'gateway',
      keyRole,
      publicKey,
      subject,
      cardCertRequired: false,
      ...validity,
    });
    return { privateKey, certificate, chain: [certificate, ...world.gateway.chain.slice(1)] };
  };
  return { signature: make('signature'), keyExchange: make('key-exchange') };
}

describe.each(backends)('the unsigned purchase on $name', (backend) => {
  const opened: { drop(): Promise<void> }[] = [];
  const servers: (Listening | Served)[] = [];
  const gateways: Record<'open' | 'strict', { gateway: Gateway; url: string; db: Database }> = {} as never;

  beforeAll(async () => {
    const open = openGateway();
    for (const [name, certs] of [
      ['open', open],
      ['strict', { signature: world.gateway, keyExchange: world.gatewayKx }],
    ] as const) {
      const o = await backend.open();
      opened.push(o);
      const gateway = await createGateway({
        db: o.db,
        signature: certs.signature,
        keyExchange: certs.keyExchange,
        trustedRoots: [world.root],
        issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: 0 }),
        log: () => {},
      });
      const server = await listen(gateway.app.fetch);
      servers.push(server);
      gateways[name] = { gateway, url: server.url, db: o.db };
    }
    // Two databases and their migrations: minutes on a busy machine, not a hang.
  }, PROCESS_TEST_TIMEOUT_MS);
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const o of opened) await o.drop();
  });

  /** A shop behind `which` gateway; the gateway's certificates come from PCertReq. */
  async function shop(which: 'open' | 'strict', acceptUnsigned: boolean) {
    const client = await createGatewayClient({
      endpoint: `${gateways[which].url}/set`,
      merchant: keys,
      trustedRoots: [world.root],
    });
    const orders = new MemoryOrderStore();
    const handler = await createSetEndpoint({
      merchant: keys,
      gateway: client,
      orders,
      trustedRoots: [world.root],
      revocation: async () => await revocationOf(world),
      log: () => {},
      acceptUnsigned,
    });
    const served = await serve(handler);
    servers.push(served);
    return { url: served.url, orders };
  }

  /** A cardholder without a certificate buys order `lidM` at the shop: the PRes, or the Error. */
  async function buyUnsigned(s: { url: string; orders: MemoryOrderStore }, lidM: string) {
    s.orders.addOrder(lidM, {
      od: `Unsigned order ${lidM}`,
      amount: { currency: 'EUR', value: 2500, exponent: 2 },
    });
    const wallet = new TestWallet(world);
    const post = async (body: string) => {
      const res = await fetch(`${s.url}/set`, { method: 'POST', body });
      return { status: res.status, text: await res.text() };
    };
    const req = buildPInitReq({
      lidC: 'wallet-1',
      lidM,
      brandId: 'SETPay',
      bin: wallet.card.pan.slice(0, 6),
    });
    const init = await post(JSON.stringify(req.wire));
    expect(init.status, init.text).toBe(200);
    const pinit = await wallet.verifyPInitRes(init.text, req.content);
    const preq = await wallet.preq(pinit);
    const piType = JSON.parse(
      Buffer.from((preq.wire.body as { pi: string }).pi, 'base64url').toString(),
    ).type;
    expect(piType).toBe('PIUnsigned');
    expect(preq.wire.certs ?? []).toEqual([]);
    const res = await post(JSON.stringify(preq.wire));
    return { res, wallet, preq, pinit };
  }

  const ledgerRows = async (which: 'open' | 'strict') =>
    gateways[which].db.query<{ xid: string; dual_signed: boolean }>(
      'SELECT xid, dual_signed FROM gateway_authorizations ORDER BY xid',
    );

  it('where the merchant accepts it and the gateway’s certificate allows it, it is authorized and recorded as unsigned', async () => {
    const s = await shop('open', true);
    const { res, wallet, preq, pinit } = await buyUnsigned(s, 'unsigned-1');
    expect(res.status, res.text).toBe(200);
    const receipt = await wallet.verifyPRes(res.text, preq.oiData, pinit);
    expect(receipt.content.result.status).toBe('approved');
    const rows = await ledgerRows('open');
    expect(rows).toEqual([{ xid: preq.oiData.transIds.xid, dual_signed: false }]);
    const tx = await s.orders.find(preq.oiData.transIds.xid);
    expect(tx?.record?.cardholder).toBeUndefined();
    // The same PReq again gets the same PRes, and no second AuthReq.
    const again = await fetch(`${s.url}/set`, { method: 'POST', body: JSON.stringify(preq.wire) });
    expect(await again.text()).toBe(res.text);
    expect(await ledgerRows('open')).toHaveLength(1);
  });

  it('a merchant that does not accept it refuses it, even behind a gateway that would: signatureRequired, no AuthReq', async () => {
    const s = await shop('open', false);
    const before = await ledgerRows('open');
    const { res } = await buyUnsigned(s, 'unsigned-2');
    expect(res.status).toBe(400);
    expect((await readError(res.text, ctx())).content.errorCode).toBe('signatureRequired');
    expect(await ledgerRows('open')).toEqual(before);
  });

  it('a merchant that accepts it refuses it behind a gateway that requires card certificates: no AuthReq', async () => {
    const s = await shop('strict', true);
    const { res } = await buyUnsigned(s, 'unsigned-3');
    expect(res.status).toBe(400);
    const { content } = await readError(res.text, ctx());
    expect(content.errorCode).toBe('signatureRequired');
    expect(await ledgerRows('strict')).toEqual([]);
  });

  it('a gateway whose certificate requires a card certificate refuses an unsigned PI sent straight to it', async () => {
    // A merchant that skips its own check: the unsigned PReq accepted, the AuthReq sent anyway.
    const merchant = new TestMerchant(world);
    const wallet = new TestWallet(world);
    const req = wallet.pinitReq('unsigned-4');
    const pinit = await wallet.verifyPInitRes(await merchant.pinit(JSON.stringify(req.wire)), req.content);
    const preq = await wallet.preq(pinit);
    const verified = await verifyPReq(JSON.stringify(preq.wire), (x) => merchant.pending.get(x), ctx(), {
      acceptUnsigned: true,
    });
    expect(verified.cardholder).toBeUndefined();
    const auth = await buildAuthReq({
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      oiData: verified.oiData,
      hOIData: verified.hOIData,
      piBytes: verified.piBytes,
      cardholderCerts: carriedCerts([world.merchantKx.chain]),
      authReqAmt: pinit.content.purchAmt,
      captureNow: false,
      rrpid: verified.oiData.rrpid,
    });
    const res = await fetch(`${gateways.strict.url}/set`, {
      method: 'POST',
      body: JSON.stringify(auth.wire),
    });
    expect(res.status).toBe(400);
    const { content } = await readError(await res.text(), ctx());
    expect(content.errorCode).toBe('signatureRequired');
    expect(content.errorMsg).toContain('cardCertRequired');
    expect(await ledgerRows('strict')).toEqual([]);
  });

  it('a cardholder with a certificate still pays with the dual signature at the open gateway', async () => {
    const s = await shop('open', true);
    const cardholder = issueCardholder(world);
    const wallet = new TestWallet(world, cardholder);
    s.orders.addOrder('signed-1', {
      od: 'Signed order',
      amount: { currency: 'EUR', value: 900, exponent: 2 },
    });
    const req = buildPInitReq({ lidC: 'wallet-1', lidM: 'signed-1', brandId: 'SETPay', bin: '411111' });
    const init = await fetch(`${s.url}/set`, { method: 'POST', body: JSON.stringify(req.wire) });
    const pinit = await wallet.verifyPInitRes(await init.text(), req.content);
    const preq = await wallet.preq(pinit);
    const res = await fetch(`${s.url}/set`, { method: 'POST', body: JSON.stringify(preq.wire) });
    const receipt = await wallet.verifyPRes(await res.text(), preq.oiData, pinit);
    expect(receipt.content.result.status).toBe('approved');
    const row = (await ledgerRows('open')).find((r) => r.xid === preq.oiData.transIds.xid);
    expect(row?.dual_signed).toBe(true);
  });
});

// The merchant SDK over real HTTP: the SET endpoint served on a random port, a protocol-level
// wallet, and a real gateway over HTTP (the test gateway of merchant-support.ts), real keys.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  certifiedKeyFromPem,
  createGatewayClient,
  createMerchantActions,
  createSetEndpoint,
  describeDecline,
  type GatewayClient,
  GatewayUnavailableError,
  MemoryOrderStore,
  MerchantActionError,
  type MerchantKeys,
  type OutcomeEvent,
  purchaseStateOf,
  SET_ERROR_SENTENCES,
  type SetHandler,
  SetWalletError,
} from '../../src/merchant/index.ts';
import {
  b64u,
  buildInqReq,
  buildPInitReq,
  certificateToPem,
  type ErrorCode,
  privateKeyToPem,
  randomNonce,
  readError,
  SetError,
  verifyInqRes,
} from '../../src/protocol/index.ts';
import { type Cardholder, issueCardholder, makeWorld, revocationOf, TestWallet } from '../support/world.ts';
import {
  closedPort,
  type Served,
  serve,
  startTestGateway,
  type TestGatewayServer,
} from './merchant-support.ts';

const DECLINED_PAN = '4000000000000002';
const world = makeWorld();
const keys: MerchantKeys = { signature: world.merchant, keyExchange: world.merchantKx };
const cardholder = issueCardholder(world);
const declinedCardholder = issueCardholder(world, DECLINED_PAN);

let gw: TestGatewayServer;
let shop: Served;
let client: GatewayClient;
let orders: MemoryOrderStore;
let handler: SetHandler;
const events: OutcomeEvent[] = [];
const logs: string[] = [];
const sentToGateway: string[] = [];

async function endpointFor(gateway: GatewayClient, store = orders, extra: { acceptUnsigned?: boolean } = {}) {
  return await createSetEndpoint({
    merchant: keys,
    gateway,
    orders: store,
    trustedRoots: [world.root],
    revocation: async () => await revocationOf(world),
    onOutcome: (e) => events.push(e),
    log: (m) => logs.push(m),
    ...extra,
  });
}

beforeAll(async () => {
  gw = await startTestGateway(world);
  client = await createGatewayClient({
    endpoint: `${gw.url}/set`,
    merchant: keys,
    gatewayKeyExchange: world.gatewayKx.chain,
    trustedRoots: [world.root],
    backoffMs: 5,
    fetch: (url, init) => {
      sentToGateway.push(String(init?.body));
      return fetch(url, init);
    },
  });
  orders = new MemoryOrderStore();
  handler = await endpointFor(client);
  shop = await serve(handler);
});

afterAll(async () => {
  await shop?.close();
  await gw?.close();
});

let orderNumber = 0;
function newOrder(value = 1299): string {
  const lidM = `order-${++orderNumber}`;
  orders.addOrder(lidM, {
    od: `Test order ${lidM}: one SET/2 mug`,
    amount: { currency: 'EUR', value, exponent: 2 },
  });
  return lidM;
}

async function post(body: string, url = `${shop.url}/set`) {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: res.status, text: await res.text() };
}

function pinitReq(wallet: TestWallet, lidM: string, brandId = 'SETPay') {
  return buildPInitReq({ lidC: 'wallet-1', lidM, brandId, bin: wallet.card.pan.slice(0, 6) });
}

async function pinit(wallet: TestWallet, lidM: string) {
  const req = pinitReq(wallet, lidM);
  const res = await post(JSON.stringify(req.wire));
  expect(res.status, res.text).toBe(200);
  return await wallet.verifyPInitRes(res.text, req.content);
}

async function pay(wallet: TestWallet, lidM: string) {
  const p = await pinit(wallet, lidM);
  const preq = await wallet.preq(p);
  const wire = JSON.stringify(preq.wire);
  const res = await post(wire);
  return { pinit: p, preq, wire, res };
}

async function expectSetError(res: { status: number; text: string }, code: ErrorCode, status: number) {
  expect(res.status, res.text).toBe(status);
  const { content, signer } = await readError(res.text, { trust: world.trust(), clock: world.clock });
  expect(content.errorCode, content.errorMsg).toBe(code);
  // Errors are signed by the merchant (SET-PROFILE §4 Error).
  expect(signer?.chain[0]?.certificateType).toBe('merchant');
}

function authReqCount() {
  return gw.received.get('AuthReq')?.length ?? 0;
}

describe('merchant SDK: purchase over HTTP', () => {
  it('PInitReq → PInitRes → PReq → PRes: authorized, from the site’s own order data', async () => {
    const wallet = new TestWallet(world, cardholder);
    const lidM = newOrder(2450);
    const before = authReqCount();
    const { pinit: p, preq, res } = await pay(wallet, lidM);
    // The PInitRes carries the site's order, looked up by LID-M.
    expect(p.content.od).toBe(`Test order ${lidM}: one SET/2 mug`);
    expect(p.content.purchAmt).toEqual({ currency: 'EUR', value: 2450, exponent: 2 });
    expect(res.status, res.text).toBe(200);
    const receipt = await wallet.verifyPRes(res.text, preq.oiData, p);
    expect(receipt.content.completionCode).toBe('authorizationPerformed');
    expect(receipt.content.result).toMatchObject({ status: 'approved', amount: p.content.purchAmt });
    expect(receipt.content.result.authCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(authReqCount()).toBe(before + 1);
    const tx = await orders.find(p.content.transIds.xid);
    expect(tx && purchaseStateOf(tx)).toBe('authorized');
    expect(tx?.record?.cardholder).toBe(b64u(cardholder.certificate.thumbprint));
    expect(events.at(-1)).toMatchObject({ xid: p.content.transIds.xid, lidM });
    // The order is no longer open for payment.
    expect(await orders.describe(lidM)).toBeUndefined();
    await expectSetError(await post(JSON.stringify(pinitReq(wallet, lidM).wire)), 'unknownXID', 404);
  });

  it('a decline is a business result in PRes, and the order stays payable with another card', async () => {
    const lidM = newOrder();
    const wallet = new TestWallet(world, declinedCardholder);
    const { pinit: p, preq, res } = await pay(wallet, lidM);
    expect(res.status).toBe(200);
    const receipt = await wallet.verifyPRes(res.text, preq.oiData, p);
    expect(receipt.content.completionCode).toBe('orderRejected');
    expect(receipt.content.result).toMatchObject({ status: 'declined', reason: 'doNotHonour' });
    expect(describeDecline(receipt.content.result.reason)).toMatch(/declined/);
    const tx = await orders.find(p.content.transIds.xid);
    expect(tx && purchaseStateOf(tx)).toBe('declined');

    const again = await pay(new TestWallet(world, cardholder), lidM);
    expect(again.res.status).toBe(200);
    expect(again.pinit.content.transIds.xid).not.toBe(p.content.transIds.xid);
  });

  it('a retried identical PReq gets the same PRes and no second AuthReq; another PReq for the XID is refused', async () => {
    const wallet = new TestWallet(world, cardholder);
    const { pinit: p, wire, res } = await pay(wallet, newOrder());
    const count = authReqCount();
    const outcomes = events.length;
    const retry = await post(wire);
    expect(retry.status).toBe(200);
    expect(retry.text).toBe(res.text);
    expect(authReqCount()).toBe(count);
    expect(events.length).toBe(outcomes);
    // A new PReq (new RRPID, new signature) for an XID already paid.
    await expectSetError(await post(JSON.stringify((await wallet.preq(p)).wire)), 'unknownXID', 404);
  });

  it('two identical PReqs at once get one PRes between them', async () => {
    const wallet = new TestWallet(world, cardholder);
    const p = await pinit(wallet, newOrder());
    const wire = JSON.stringify((await wallet.preq(p)).wire);
    const outcomes = events.length;
    const [a, b] = await Promise.all([post(wire), post(wire)]);
    expect(a.status).toBe(200);
    expect(b.text).toBe(a.text);
    expect(events.length).toBe(outcomes + 1);
  });

  it('an order has one payment: a second XID for a paid order is refused', async () => {
    const lidM = newOrder();
    const wallet = new TestWallet(world, cardholder);
    const first = await pinit(wallet, lidM);
    const second = await pinit(wallet, lidM);
    expect((await post(JSON.stringify((await wallet.preq(first)).wire))).status).toBe(200);
    await expectSetError(await post(JSON.stringify((await wallet.preq(second)).wire)), 'unknownXID', 404);
  });

  it('InqReq is answered from the record, only to the cardholder who paid, and follows captures', async () => {
    const wallet = new TestWallet(world, cardholder);
    const { pinit: p } = await pay(wallet, newOrder());
    const transIds = p.content.transIds;
    const ask = async (signedBy?: Cardholder) => {
      const inq = await buildInqReq({ transIds, ...(signedBy ? { cardholder: signedBy } : {}) });
      return { inq, res: await post(JSON.stringify(inq.wire)) };
    };
    const { inq, res } = await ask(cardholder);
    expect(res.status, res.text).toBe(200);
    const answer = await verifyInqRes(res.text, inq.content, p.merchant.chain[0]!.thumbprint, {
      trust: world.trust(),
      clock: world.clock,
    });
    expect(answer.content).toMatchObject({
      completionCode: 'authorizationPerformed',
      result: { status: 'approved', amount: p.content.purchAmt },
    });
    await expectSetError((await ask()).res, 'signatureRequired', 400);
    await expectSetError((await ask(declinedCardholder)).res, 'invalidCertificate', 400);

    await createMerchantActions({ gateway: client, orders }).capture(transIds.xid);
    const later = await ask(cardholder);
    const captured = await verifyInqRes(later.res.text, later.inq.content, p.merchant.chain[0]!.thumbprint, {
      trust: world.trust(),
      clock: world.clock,
    });
    expect(captured.content.completionCode).toBe('capturePerformed');

    const unknown = await buildInqReq({ transIds: { ...transIds, xid: b64u(randomNonce()) }, cardholder });
    await expectSetError(await post(JSON.stringify(unknown.wire)), 'unknownXID', 404);
  });
});

describe('merchant SDK: bad input gets a SET Error and a 4xx, never a 5xx', () => {
  it('malformed, wrong version, wrong type', async () => {
    await expectSetError(await post('not json at all'), 'decodingFailure', 400);
    await expectSetError(await post('{}'), 'badMessageHeader', 400);
    const wallet = new TestWallet(world, cardholder);
    const req = pinitReq(wallet, newOrder());
    await expectSetError(await post(JSON.stringify({ ...req.wire, set: 'SET/1' })), 'versionTooOld', 400);
    await expectSetError(
      await post(JSON.stringify({ ...req.wire, type: 'Foo' })),
      'messageNotSupported',
      415,
    );
    // A message of SET/2 that a merchant does not take (here: the AuthReq a merchant sends).
    await expectSetError(
      await post(JSON.stringify({ ...req.wire, type: 'AuthReq' })),
      'messageNotSupported',
      415,
    );
    const { res } = await pay(wallet, newOrder());
    await expectSetError(await post(res.text), 'messageNotSupported', 415);
    await expectSetError(
      await post(JSON.stringify(pinitReq(wallet, newOrder(), 'OtherPay').wire)),
      'unspecifiedFailure',
      422,
    );
    await expectSetError(
      await post(JSON.stringify(pinitReq(wallet, 'no-such-order').wire)),
      'unknownXID',
      404,
    );
  });

  it('an oversized body is refused while it is read, with or without Content-Length', async () => {
    const big = `{"set":"SET/2","pad":"${'x'.repeat(70 * 1024)}"}`;
    await expectSetError(await post(big), 'messageTooBig', 413);
    const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(`${shop.url}/set`, { method: 'POST' }, (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      for (let i = 0; i < 80; i++) req.write('x'.repeat(1024));
      req.end();
    });
    await expectSetError(chunked, 'messageTooBig', 413);
  });

  it('unknown XID, wrong Chall-M, unsigned purchase', async () => {
    const wallet = new TestWallet(world, cardholder);
    // A PInitRes from another shop's records (same keys): this shop never issued that XID.
    const elsewhere = new MemoryOrderStore({
      'order-x': { od: 'elsewhere', amount: { currency: 'EUR', value: 1, exponent: 2 } },
    });
    const other = await endpointFor(client, elsewhere);
    const req = pinitReq(wallet, 'order-x');
    const res = await other(
      new Request('http://shop/set', { method: 'POST', body: JSON.stringify(req.wire) }),
    );
    const foreign = await wallet.verifyPInitRes(await res.text(), req.content);
    await expectSetError(await post(JSON.stringify((await wallet.preq(foreign)).wire)), 'unknownXID', 404);

    const p = await pinit(wallet, newOrder());
    const forged = { ...p, content: { ...p.content, challM: b64u(randomNonce()) } };
    await expectSetError(
      await post(JSON.stringify((await wallet.preq(forged)).wire)),
      'challengeMismatch',
      400,
    );

    const unsignedWallet = new TestWallet(world);
    const q = await pinit(unsignedWallet, newOrder());
    await expectSetError(
      await post(JSON.stringify((await unsignedWallet.preq(q)).wire)),
      'signatureRequired',
      400,
    );
    // None of these reached the gateway or left state behind.
    expect((await orders.find(p.content.transIds.xid))?.claim).toBeUndefined();
  });

  it('GET is 405; an Error from the wallet is taken and not answered with an Error', async () => {
    const get = await fetch(`${shop.url}/set`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const bad = await post('not json');
    const answer = await post(bad.text);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(logs.filter((l) => l.includes('unexpected'))).toEqual([]);
  });
});

describe('merchant SDK: gateway client', () => {
  it('captures part, refunds part, and reverses another authorization', async () => {
    const actions = createMerchantActions({ gateway: client, orders });
    const wallet = new TestWallet(world, cardholder);
    const { pinit: p } = await pay(wallet, newOrder(5000));
    const xid = p.content.transIds.xid;
    await expect(actions.refund(xid, { currency: 'EUR', value: 100, exponent: 2 })).rejects.toMatchObject({
      problem: 'notCaptured',
    });
    await expect(actions.capture(xid, { currency: 'EUR', value: 5001, exponent: 2 })).rejects.toBeInstanceOf(
      MerchantActionError,
    );
    const cap = await actions.capture(xid, { currency: 'EUR', value: 4000, exponent: 2 });
    expect(cap).toMatchObject({ request: 'CapReq', status: 'captured', amount: { value: 4000 } });
    const tx1 = await orders.find(xid);
    expect(tx1 && purchaseStateOf(tx1)).toBe('captured');
    const ref = await actions.refund(xid, { currency: 'EUR', value: 1500, exponent: 2 });
    expect(ref).toMatchObject({ request: 'CredReq', status: 'credited' });
    await expect(actions.refund(xid, { currency: 'EUR', value: 2501, exponent: 2 })).rejects.toMatchObject({
      problem: 'amountTooLarge',
    });
    const tx2 = await orders.find(xid);
    expect(tx2 && purchaseStateOf(tx2)).toBe('partiallyRefunded');
    await actions.refund(xid, { currency: 'EUR', value: 2500, exponent: 2 });
    const tx3 = await orders.find(xid);
    expect(tx3 && purchaseStateOf(tx3)).toBe('refunded');

    const other = await pay(wallet, newOrder(700));
    const otherXid = other.pinit.content.transIds.xid;
    const rev = await actions.reverse(otherXid);
    expect(rev).toMatchObject({ request: 'AuthRevReq', status: 'authorizationReversed' });
    const tx4 = await orders.find(otherXid);
    expect(tx4 && purchaseStateOf(tx4)).toBe('reversed');
    await expect(actions.capture(otherXid)).rejects.toMatchObject({ problem: 'alreadyReversed' });
  });

  it('a SET Error from the gateway becomes a typed SetWalletError with a sentence', async () => {
    const wallet = new TestWallet(world, cardholder);
    const { pinit: p } = await pay(wallet, newOrder());
    const err = await client
      .capture({ transIds: p.content.transIds, amount: p.content.purchAmt, capToken: 'bm90LWEtdG9rZW4' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SetError);
    expect((err as SetError).code).toBe('decodingFailure');
    expect(err).toBeInstanceOf(SetWalletError);
    expect((err as SetWalletError).message).toBe(SET_ERROR_SENTENCES.decodingFailure);
    expect((err as SetWalletError).detail).toMatch(/\S/);
    expect((err as SetWalletError).from).toBe('gateway');
  });

  it('retries a failing gateway with the same request bytes', async () => {
    const wallet = new TestWallet(world, cardholder);
    const p = await pinit(wallet, newOrder());
    const before = sentToGateway.length;
    gw.failNext(2);
    const res = await post(JSON.stringify((await wallet.preq(p)).wire));
    expect(res.status, res.text).toBe(200);
    const attempts = sentToGateway.slice(before);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts).size).toBe(1);
  });

  it('an answer lost on the way back: the claim stays, and a rebuilt PReq completes without a second authorization', async () => {
    const wallet = new TestWallet(world, cardholder);
    const lidM = newOrder();
    const p = await pinit(wallet, lidM);
    const xid = p.content.transIds.xid;
    gw.loseAnswers(3);
    // The gateway may have authorized: the wallet is told the payment is pending, never that
    // nothing was charged.
    const first = await wallet.preq(p);
    const pending = await post(JSON.stringify(first.wire));
    expect(pending.status, pending.text).toBe(200);
    const said = (await wallet.verifyPRes(pending.text, first.oiData, p)).content;
    expect(said.result.status).toBe('pending');
    expect(said.completionCode).toBe('orderReceived');
    // The gateway may have authorized: the order stays claimed by this XID, not payable elsewhere.
    expect((await orders.find(xid))?.claim).toBeDefined();
    expect(await orders.describe(lidM)).toBeUndefined();

    // The wallet gives up on that PReq and builds a new one (new RRPID, new seal, new signature).
    const rebuilt = await wallet.preq(p);
    const res = await post(JSON.stringify(rebuilt.wire));
    expect(res.status, res.text).toBe(200);
    expect((await wallet.verifyPRes(res.text, rebuilt.oiData, p)).content.result.status).toBe('approved');
    const rrpids = (gw.received.get('AuthReq') ?? [])
      .map((b) => JSON.parse(b) as { hdr: { xid: string; rrpid: string } })
      .filter((w) => w.hdr.xid === xid)
      .map((w) => w.hdr.rrpid);
    expect(rrpids).toHaveLength(4);
    expect(new Set(rrpids).size).toBe(1);
  });

  it('gateway down: a clear error, nothing charged, the order unchanged and payable on retry', async () => {
    const down = await createGatewayClient({
      endpoint: `${await closedPort()}/set`,
      merchant: keys,
      gatewayKeyExchange: world.gatewayKx.chain,
      trustedRoots: [world.root],
      attempts: 2,
      backoffMs: 5,
    });
    const wallet = new TestWallet(world, cardholder);
    const lidM = newOrder();
    const p = await pinit(wallet, lidM);
    const preq = await wallet.preq(p);
    const wire = JSON.stringify(preq.wire);
    const offline = await serve(await endpointFor(down));
    try {
      const res = await post(wire, `${offline.url}/set`);
      await expectSetError(res, 'unspecifiedFailure', 422);
      expect(
        (await readError(res.text, { trust: world.trust(), clock: world.clock })).content.errorMsg,
      ).toMatch(/could not reach its payment gateway/);
    } finally {
      await offline.close();
    }
    expect(logs.some((l) => /did not answer after 2 attempts \(ECONNREFUSED\)/.test(l))).toBe(true);
    const tx = await orders.find(p.content.transIds.xid);
    expect(tx?.claim).toBeUndefined();
    expect(tx?.record).toBeUndefined();
    expect(await orders.describe(lidM)).toBeDefined();
    await expect(
      down.refund({ transIds: p.content.transIds, amount: p.content.purchAmt }),
    ).rejects.toBeInstanceOf(GatewayUnavailableError);

    // The gateway is back: the same PReq completes.
    const retry = await post(wire);
    expect(retry.status, retry.text).toBe(200);
    expect((await wallet.verifyPRes(retry.text, preq.oiData, p)).content.result.status).toBe('approved');
  });
});

describe('merchant SDK: keys from PEM', () => {
  it('reads a chain and its private key', () => {
    const m = world.merchant;
    const key = certifiedKeyFromPem(
      m.chain.map((c) => certificateToPem(c.der)).join(''),
      privateKeyToPem(m.privateKey, m.certificate.publicKey),
    );
    expect(key.privateKey).toEqual(m.privateKey);
    expect(key.chain.map((c) => c.thumbprint)).toEqual(m.chain.map((c) => c.thumbprint));
    expect(key.certificate.thumbprint).toEqual(m.certificate.thumbprint);
  });
});

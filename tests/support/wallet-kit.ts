/**
 * What the wallet's own tests share (tests/unit/wallet-*.test.ts): a WalletPlatform in memory, the
 * assertion that a promise fails with a given WalletError code, a card registered with the
 * world's CCA and handed to the wallet as registration would, and a shop's SET endpoint behind
 * the page transport (PInitReq, PReq through the world's gateway, InqReq), all with real keys,
 * certificates and messages of tests/support/world.ts.
 */
import { IDBFactory } from 'fake-indexeddb';
import { expect } from 'vitest';
import {
  type Amount,
  buildErrorFor,
  buildInqRes,
  decodeWire,
  encodeWire,
  type InstallRecurData,
  type PurchaseOutcome,
  SetError,
  verifyInqReq,
} from '../../src/protocol/index.ts';
import { type Send, type Wallet, WalletError, type WalletPlatform } from '../../src/wallet/index.ts';
import { memorySession } from './memory-session.ts';
import { registerCardholder, TestGateway, TestMerchant, type World } from './world.ts';

/** The passphrase the wallet tests create their vaults with. */
export const PASS = 'correct horse battery staple';

/** A platform in memory: a fresh IndexedDB, storage.session in a Map, alarms that never ring. */
export function memoryPlatform(now: () => Date): WalletPlatform & {
  indexedDB: IDBFactory;
  session: ReturnType<typeof memorySession>;
} {
  return {
    indexedDB: new IDBFactory(),
    session: memorySession(),
    alarms: { create: () => {}, clear: async () => true },
    now,
  };
}

/** Awaits `p`, which must fail with a WalletError of `code`; returns that error. */
export async function rejects(p: Promise<unknown>, code: string): Promise<WalletError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WalletError);
  expect((e as WalletError).code).toBe(code);
  return e as WalletError;
}

/** Registers a card with the world's CCA and hands it to the wallet as registration would. */
export async function addCard(wallet: Wallet, world: World, pan: string) {
  const ch = await registerCardholder(world, pan);
  const trust = world.trust();
  for (const c of ch.chain) trust.add(c);
  const path = await trust.verify(
    ch.certificate.thumbprint,
    { types: ['cardholder'], keyRole: 'signature' },
    world.clock,
  );
  return wallet.cards.add({ brand: 'SETPay', ...ch.card, privateKey: ch.privateKey, path });
}

export interface ShopOptions {
  /** PANs the gateway declines. */
  decline?: Iterable<string>;
  /** The merchant takes a PReq with no cardholder signature (PIUnsigned). */
  acceptUnsigned?: boolean;
}

/**
 * A shop's SET endpoint behind the page transport: PInitReq, PReq (through the world's gateway),
 * InqReq; a SetError is answered with a signed Error. It keeps what it received, and each
 * transaction's outcome for InqReq.
 */
export class TestShop {
  readonly merchant: TestMerchant;
  readonly gateway: TestGateway;
  readonly received: string[] = [];
  readonly outcomes = new Map<string, PurchaseOutcome>();
  /** Makes the next PReq fail in the transport: before the shop sees it, or after it answered. */
  drop: 'request' | 'response' | undefined;
  private readonly acceptUnsigned: boolean;

  constructor(
    readonly world: World,
    readonly order: { od: string; purchAmt: Amount; installRecurData?: InstallRecurData },
    options: ShopOptions = {},
  ) {
    this.merchant = new TestMerchant(world);
    this.gateway = new TestGateway(world, new Set(options.decline));
    this.acceptUnsigned = options.acceptUnsigned ?? false;
  }

  readonly send: Send = async (wire) => {
    const type = decodeWire(wire).type;
    if (type === 'PReq' && this.drop === 'request') {
      this.drop = undefined;
      this.received.push(wire);
      throw new Error('the service worker died before the request left');
    }
    this.received.push(wire);
    const reply = await this.answer(type, wire);
    if (type === 'PReq' && this.drop === 'response') {
      this.drop = undefined;
      throw new Error('the service worker died before the answer arrived');
    }
    return reply;
  };

  private async answer(type: string, wire: string): Promise<string> {
    const clock = this.world.clock;
    try {
      if (type === 'PInitReq') return await this.merchant.pinit(wire, this.order);
      if (type === 'PReq') {
        const { verified, authReq, authReqContent } = await this.merchant.preqToAuthReq(wire, {
          acceptUnsigned: this.acceptUnsigned,
        });
        const authRes = await this.gateway.authorize(authReq);
        const { authRes: res, pres } = await this.merchant.authResToPRes(
          authRes,
          authReqContent,
          verified.oiData,
        );
        const r = res.result;
        this.outcomes.set(verified.oiData.transIds.xid, {
          completionCode: r.status === 'approved' ? 'authorizationPerformed' : 'orderRejected',
          result: { ...r },
        });
        return pres;
      }
      if (type === 'InqReq') {
        const { content } = await verifyInqReq(wire, { trust: this.merchant.trust, clock });
        const outcome = this.outcomes.get(content.transIds.xid);
        if (!outcome) throw new SetError('unknownXID', 'no such transaction');
        return encodeWire(
          (await buildInqRes({ req: content, outcome, merchant: this.world.merchant, now: clock.now })).wire,
        );
      }
      throw new SetError('messageNotSupported', `the shop does not take ${type}`);
    } catch (e) {
      if (!(e instanceof SetError)) throw e;
      return encodeWire((await buildErrorFor(wire, e, this.world.merchant, clock.now))!);
    }
  }

  /** What it received of `type`, in order. */
  sent(type: string): string[] {
    return this.received.filter((w) => decodeWire(w).type === type);
  }
}

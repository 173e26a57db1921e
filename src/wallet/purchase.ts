/**
 * One checkout request (SET Book 2 "Purchase request"; SET-PROFILE §4 Purchase), as a state
 * machine the background drives and storage.session keeps, keyed by request id, so that a killed
 * service worker resumes where it stopped:
 *
 *   start  → initiated (PInitReq sent) → awaitingConfirmation (PInitRes verified)
 *   pay    → paying (PReq persisted, then sent) → done (PRes verified, receipt kept)
 *   cancel → rejected;   any failure → failed
 *
 * What the confirmation shows comes from verified data only: the merchant from its certificate,
 * the amount and order from the signed PInitRes, and the origin binding (SET/2) compares the
 * certificate's origins with the tab origin the browser reported. A mismatch fails the request
 * before anything is asked of the cardholder, and so does a revoked merchant certificate or
 * gateway key-exchange certificate, or a brand whose current revocation lists the wallet cannot
 * get (SET-PROFILE §6): PInitReq lists the BrandCRLIdentifier and CRLs the wallet keeps, and
 * those PInitRes and PRes carry are kept once verified (revocation.ts).
 *
 * Paying is idempotent per XID: the PReq is built once and its wire kept before it is sent; a
 * retried or resumed pay re-sends the same bytes. If the merchant no longer knows the XID (it
 * answered the first copy and the answer was lost), an InqReq asks for the outcome.
 */
import * as v from 'valibot';
import {
  Amount,
  amountsEqual,
  b64u,
  buildInqReq,
  buildPInitReq,
  buildPReq,
  DEFAULT_MAX_AGE_MS,
  decodeWire,
  ERROR_CODES,
  encodeWire,
  fromB64u,
  type InqResContent,
  InstallRecurData,
  PInitReqContent,
  type PResContent,
  parseCertificate,
  parsePaymentInitiation,
  paymentStateOf,
  SetError,
  TransIds,
  type VerifiedPInitRes,
  type VerifyContext,
  verifyInqRes,
  verifyPInitRes,
  verifyPRes,
} from '../protocol/core.ts';
import type { CardSummary, Cards } from './cards.ts';
import {
  toWalletError,
  WALLET_ERROR_CODES,
  WalletError,
  type WalletErrorJson,
  walletError,
} from './errors.ts';
import { exchange, type Send } from './exchange.ts';
import type { PageOutcome } from './messages.ts';
import { sessionGet, type WalletPlatform } from './platform.ts';
import type { ReceiptSummary, Receipts } from './receipts.ts';
import type { KeptRevocation, Revocations } from './revocation.ts';
import type { TrustedRoots } from './roots.ts';
import { randomBytes } from './vault/crypto.ts';
import type { CardRecord, ReceiptMerchant, ReceiptRecord } from './vault/db.ts';
import type { Vault } from './vault/vault.ts';

export type PurchaseState = 'initiated' | 'awaitingConfirmation' | 'paying' | 'done' | 'failed' | 'rejected';

/**
 * A request still waiting for the PInitRes after this long is failed and frees its tab (the
 * merchant never answered). A request whose PInitReq was sent by a service worker that has since
 * stopped is freed at once (see `initiating`).
 */
export const INITIATED_TIMEOUT_MS = 60_000;
export const SW_IDENT = 'SET Wallet/0.1';
const RECORD_PREFIX = 'wallet.purchase.';
const TAB_PREFIX = 'wallet.purchaseTab.';
const VERIFIED_ORIGIN_PREFIX = 'wallet.verifiedOrigin.';

export type MerchantIdentity = ReceiptMerchant;

export interface OriginBinding {
  ok: boolean;
  /** The origin the browser reported for the tab. */
  tabOrigin: string;
  /** The origins the verified merchant certificate names. */
  certificateOrigins: string[];
}

export interface PurchaseView {
  requestId: string;
  tabId: number;
  tabOrigin: string;
  /** The merchant's SET endpoint on the tab's origin: where the page transport posts. */
  endpointUrl: string;
  state: PurchaseState;
  merchant?: MerchantIdentity;
  originBinding?: OriginBinding;
  /** From the signed PInitRes; `pageAmountDiffers` when the page announced another amount. */
  order?: {
    od: string;
    amount: Amount;
    pageAmountDiffers: boolean;
    /** The payment plan the cardholder signs with this order (SET-PROFILE §6), shown before Pay. */
    installRecurData?: InstallRecurData;
  };
  /** Awaiting confirmation: the cards of the merchant's brand, and the one to preselect. */
  cards?: CardSummary[];
  preselectedCardId?: string;
  /**
   * Awaiting confirmation: the merchant's payment gateway lets this purchase be paid without the
   * card's certificate (its key-exchange certificate says cardCertRequired false, SET-PROFILE §1),
   * so the window may offer it as the shopper's own choice, saying what is weaker.
   */
  unsignedOffered?: boolean;
  /** Paying or done: the card chosen. */
  cardId?: string;
  /** Paying or done: paid without the card's certificate (PIUnsigned), as the shopper chose. */
  unsigned?: boolean;
  receipt?: ReceiptSummary;
  error?: WalletErrorJson;
}

const Text = v.pipe(v.string(), v.maxLength(4096));
const Id = v.pipe(v.string(), v.maxLength(64));
const Time = v.pipe(v.number(), v.safeInteger());

/** What every request has from its start: the tab, the page's initiation, the PInitReq sent. */
const Opened = {
  requestId: Id,
  tabId: v.pipe(v.number(), v.safeInteger()),
  tabOrigin: Text,
  updatedAt: Time,
  lidC: Text,
  pageAmount: Amount,
  endpointUrl: Text,
  pinitReq: PInitReqContent,
  /** The card whose BIN PInitReq carried (its CA chain lets the CCA's CRL verify). */
  initialCardId: Id,
};

/** Why a request failed, as the window and the page are told. */
const Failure = v.strictObject({
  code: v.picklist(WALLET_ERROR_CODES),
  messageKey: Text,
  params: v.record(Text, v.union([Text, v.number()])),
  setCode: v.optional(v.picklist(ERROR_CODES)),
  detail: v.string(),
});

/** What a verified PInitRes established: shown to the cardholder, who confirms it. */
const Offered = {
  pinitResWire: v.string(),
  pinitAt: Time,
  brand: Text,
  merchant: v.strictObject({
    name: Text,
    merchantId: Text,
    city: Text,
    stateProvince: v.optional(Text),
    country: Text,
    origins: v.array(Text),
    thumbprint: Text,
    sandbox: v.boolean(),
  }),
  originBinding: v.strictObject({ ok: v.boolean(), tabOrigin: Text, certificateOrigins: v.array(Text) }),
  /** The verified gateway key-exchange certificate says cardCertRequired false. */
  unsignedAllowed: v.optional(v.boolean()),
  order: v.strictObject({
    od: v.string(),
    amount: Amount,
    pageAmountDiffers: v.boolean(),
    /** The payment plan the cardholder signs with this order (SET-PROFILE §6), shown before Pay. */
    installRecurData: v.optional(InstallRecurData),
  }),
};

/** What Pay kept before sending: the card, and the PReq exactly as sent (re-sent as is, never rebuilt). */
const Sent = {
  cardId: Id,
  /** The shopper chose to pay without the card's certificate (PIUnsigned, sealed to the gateway). */
  unsigned: v.optional(v.literal(true)),
  preqWire: v.string(),
  answers: v.strictObject({ rrpid: Text, transIds: TransIds, challC: Text }),
};

/**
 * A request as storage.session keeps it: one shape per state, so that what a state has is there
 * by its type. Stored data is a boundary: every read parses it (`load`), and a record this
 * version does not know (an older wallet's) is refused, never half-read.
 */
const PurchaseRecord = v.variant('state', [
  v.strictObject({ ...Opened, state: v.literal('initiated') }),
  v.strictObject({ ...Opened, ...Offered, state: v.literal('awaitingConfirmation') }),
  v.strictObject({ ...Opened, ...Offered, ...Sent, state: v.literal('paying') }),
  v.strictObject({ ...Opened, ...Offered, ...Sent, state: v.literal('done'), receiptId: Id }),
  v.strictObject({
    ...Opened,
    ...v.partial(v.strictObject(Offered)).entries,
    state: v.literal('rejected'),
  }),
  v.strictObject({
    ...Opened,
    ...v.partial(v.strictObject({ ...Offered, ...Sent })).entries,
    state: v.literal('failed'),
    error: Failure,
  }),
]);
type PurchaseRecord = v.InferOutput<typeof PurchaseRecord>;
type RecordIn<S extends PurchaseState> = Extract<PurchaseRecord, { state: S }>;
/** A request whose PInitRes verified and that may be paid or is being paid. */
type PayingRecord = RecordIn<'paying'>;

const OPEN: readonly PurchaseState[] = ['initiated', 'awaitingConfirmation', 'paying'];

/** PInitRes answers a worker keeps verified for Pay (one per open request; a tab has one at a time). */
const MAX_VERIFIED_PINITS = 32;

export class Purchases {
  private readonly tabLocks = new Map<number, Promise<unknown>>();
  private readonly paying = new Map<string, Promise<PurchaseView>>();
  /**
   * PInitRes answers verified on arrival in this worker, by request: Pay reuses the verified
   * result for exactly these bytes (and this PInitReq) rather than checking every signature
   * again. Bounded; a restarted worker, or other bytes, verify afresh.
   */
  private readonly verifiedPInits = new Map<string, { wire: string; req: string; pinit: VerifiedPInitRes }>();
  /**
   * Requests whose PInitReq exchange runs in this service worker. A request `initiated` but not in
   * here was started by a worker that stopped before the PInitRes came back: its answer has nobody
   * to go to, so it is failed (`transport`) as soon as anything looks at it, and the tab is free to
   * ask again at once. (Cleared rather than resumed: resending PInitReq would make the merchant
   * open a second XID for an order the shopper has not seen yet, and the page can simply ask again.)
   */
  private readonly initiating = new Set<string>();

  constructor(
    private readonly platform: WalletPlatform,
    private readonly vault: Vault,
    private readonly roots: TrustedRoots,
    private readonly cards: Cards,
    private readonly receipts: Receipts,
    private readonly revocations: Revocations,
    private readonly swIdent = SW_IDENT,
  ) {}

  /**
   * A payment request from a tab. `initiation` is the JSON text the content script read from the
   * page; `tabOrigin` and `tabId` come from the browser's message sender, never from the page.
   * Sends PInitReq and verifies PInitRes. `alreadyPending` while the tab has an open request.
   */
  async start(
    p: { tabId: number; tabOrigin: string; initiation: string },
    send: Send,
  ): Promise<PurchaseView> {
    const record = await this.withTab(p.tabId, async () => {
      const open = await this.openForTab(p.tabId);
      if (open) {
        walletError('alreadyPending', 'a payment request is already open for this tab', {
          requestId: open.requestId,
        });
      }
      const initiation = await guard(() => parsePaymentInitiation(p.initiation, p.tabOrigin));
      const card = await this.cardFor(initiation.brands);
      const now = this.platform.now();
      const lidC = b64u(randomBytes(12));
      const kept = await this.revocations.load(card.brand);
      const pinitReq = buildPInitReq({
        lidC,
        lidM: initiation.lidM,
        brandId: card.brand,
        bin: card.bin,
        thumbs: this.revocations.thumbs(kept),
        now,
      });
      const rec: RecordIn<'initiated'> = {
        requestId: b64u(randomBytes(16)),
        tabId: p.tabId,
        tabOrigin: p.tabOrigin,
        state: 'initiated',
        updatedAt: now.getTime(),
        lidC,
        pageAmount: initiation.amount,
        endpointUrl: initiation.endpointUrl,
        pinitReq: pinitReq.content,
        initialCardId: card.id,
      };
      this.initiating.add(rec.requestId);
      await this.save(rec);
      await this.platform.session.set({ [TAB_PREFIX + p.tabId]: rec.requestId });
      return { rec, wire: encodeWire(pinitReq.wire) };
    });
    try {
      return await this.initiate(record.rec, record.wire, send);
    } finally {
      this.initiating.delete(record.rec.requestId);
    }
  }

  /** Sends PInitReq and verifies PInitRes for a request `start` has just kept. */
  private async initiate(rec: RecordIn<'initiated'>, wire: string, send: Send): Promise<PurchaseView> {
    const brand = rec.pinitReq.brandId;
    const ctx = await this.context(brand, rec.initialCardId);
    const exchanged = await exchange(send, wire, ctx).then(
      (reply) => ({ reply }),
      (error: unknown) => ({ error }),
    );
    // Cancelled (window or tab closed) while the merchant was answering: that stands.
    const current = await this.load(rec.requestId);
    if (current.state !== 'initiated') return this.view(current);
    let offered: RecordIn<'awaitingConfirmation'> | undefined;
    try {
      if ('error' in exchanged) throw exchanged.error;
      const reply = exchanged.reply;
      const pinit = await this.withRevocation(
        brand,
        reply,
        ctx,
        async () => await verifyPInitRes(reply, rec.pinitReq, ctx),
      );
      this.keepVerifiedPInit(rec.requestId, reply, rec.pinitReq, pinit);
      const merchant = this.identity(pinit);
      const originBinding: OriginBinding = {
        ok: merchant.origins.includes(rec.tabOrigin),
        tabOrigin: rec.tabOrigin,
        certificateOrigins: merchant.origins,
      };
      const c = pinit.content;
      offered = {
        ...rec,
        state: 'awaitingConfirmation',
        updatedAt: ctx.clock.now.getTime(),
        pinitResWire: reply,
        pinitAt: ctx.clock.now.getTime(),
        brand: c.brandId,
        merchant,
        originBinding,
        ...(pinit.gateway.chain[0]?.cardCertRequired === false ? { unsignedAllowed: true } : {}),
        order: {
          od: c.od,
          amount: c.purchAmt,
          pageAmountDiffers: !amountsEqual(c.purchAmt, rec.pageAmount),
          ...(c.installRecurData ? { installRecurData: c.installRecurData } : {}),
        },
      };
      if (!originBinding.ok) {
        // SET/2 origin binding: this page is not the shop the certificate names. Refuse now.
        throw new WalletError(
          'originMismatch',
          `the merchant certificate names ${merchant.origins.join(', ') || 'no origin'}, not ${rec.tabOrigin}`,
          { tabOrigin: rec.tabOrigin, certificateOrigins: merchant.origins.join(' ') },
        );
      }
      await this.save(offered);
      await this.platform.session.set({ [VERIFIED_ORIGIN_PREFIX + rec.tabOrigin]: true });
      return this.view(offered);
    } catch (e) {
      return this.view(await this.fail(offered ?? rec, e));
    }
  }

  /**
   * Whether a merchant certificate naming `origin` has verified in this browser session (a PInitRes
   * whose origin binding held). Until then the wallet asks the shopper before its PInitReq tells
   * that origin anything about the cards it holds (brand, BIN).
   */
  async knowsOrigin(origin: string): Promise<boolean> {
    return (await sessionGet<boolean>(this.platform.session, VERIFIED_ORIGIN_PREFIX + origin)) === true;
  }

  /**
   * The cardholder clicked Pay with `cardId`. Needs the vault unlocked. Idempotent: once the PReq
   * is built, every call (and any resumed service worker) re-sends the same bytes. `unsigned`: the
   * shopper's own choice to pay without the card's certificate, only where the gateway's
   * certificate allows it (`unsignedNotOffered` otherwise); the PI is still sealed to the gateway.
   */
  async pay(
    requestId: string,
    cardId: string,
    send: Send,
    opts: { unsigned?: boolean } = {},
  ): Promise<PurchaseView> {
    const running = this.paying.get(requestId);
    if (running !== undefined) return running;
    const run = this.payOnce(requestId, cardId, send, opts.unsigned === true).finally(() =>
      this.paying.delete(requestId),
    );
    this.paying.set(requestId, run);
    return run;
  }

  /** The cardholder cancelled (or closed the confirmation window, or the tab). */
  async cancel(requestId: string): Promise<PurchaseView> {
    const rec = await this.load(requestId);
    if (rec.state === 'paying' || this.paying.has(requestId)) {
      walletError('tooLateToCancel', 'the payment is already under way');
    }
    if (rec.state === 'initiated' || rec.state === 'awaitingConfirmation') {
      const closed: PurchaseRecord = { ...rec, state: 'rejected', updatedAt: this.platform.now().getTime() };
      await this.save(closed);
      await this.releaseTab(closed);
      return this.view(closed);
    }
    return this.view(rec);
  }

  /**
   * Where a request's messages go and what state it is in, read from its record alone (no view,
   * no card list): what Pay needs before it starts.
   */
  async target(
    requestId: string,
  ): Promise<Pick<PurchaseView, 'requestId' | 'tabId' | 'endpointUrl' | 'state'>> {
    const rec = await this.settle(await this.load(requestId));
    return { requestId: rec.requestId, tabId: rec.tabId, endpointUrl: rec.endpointUrl, state: rec.state };
  }

  async get(requestId: string): Promise<PurchaseView> {
    return this.view(await this.settle(await this.load(requestId)));
  }

  /** The open request of a tab, if any (the popup's "pending order for this tab"). */
  async forTab(tabId: number): Promise<PurchaseView | undefined> {
    const rec = await this.openForTab(tabId);
    return rec ? this.view(rec) : undefined;
  }

  /** Every request the session holds: the background resumes those still `paying` after a restart. */
  async list(): Promise<PurchaseView[]> {
    const all = await this.platform.session.get(null);
    const recs: PurchaseRecord[] = [];
    for (const [key, stored] of Object.entries(all)) {
      if (!key.startsWith(RECORD_PREFIX)) continue;
      const rec = await this.readable(key, stored);
      if (rec) recs.push(rec);
    }
    return Promise.all(recs.map(async (r) => this.view(await this.settle(r))));
  }

  /** Drops a finished request once the page has its outcome. */
  async forget(requestId: string): Promise<void> {
    const rec = await this.load(requestId);
    if (OPEN.includes(rec.state)) walletError('notReady', 'the request is still open', { step: rec.state });
    await this.platform.session.remove(RECORD_PREFIX + requestId);
  }

  /**
   * Asks the merchant for the outcome of a request already sent (InqReq → InqRes), signed with the
   * card's key while the vault is unlocked. Keeps the answer as the receipt.
   */
  async inquire(requestId: string, send: Send): Promise<PurchaseView> {
    const rec = await this.load(requestId);
    if (rec.state !== 'paying' && rec.state !== 'done') {
      return walletError('notReady', 'only a request that was paid can be inquired about', {
        step: rec.state,
      });
    }
    const ctx = await this.context(rec.brand, rec.cardId);
    const signer = (await this.vault.isUnlocked()) ? await this.cards.signer(rec.cardId) : undefined;
    const certificate = signer?.cardholder.chain[0];
    const inq = await buildInqReq({
      transIds: rec.answers.transIds,
      ...(signer && certificate
        ? {
            cardholder: {
              privateKey: signer.cardholder.privateKey,
              certificate,
              chain: signer.cardholder.chain,
            },
          }
        : {}),
      now: ctx.clock.now,
    });
    try {
      const reply = await exchange(send, encodeWire(inq.wire), ctx);
      const res = await guard(
        async () => await verifyInqRes(reply, inq.content, fromB64u(rec.merchant.thumbprint), ctx),
      );
      const answers = {
        rrpid: inq.content.rrpid,
        transIds: inq.content.transIds,
        challC: inq.content.challC,
      };
      return this.view(await this.finish(rec, 'InqRes', res.content, reply, answers));
    } catch (e) {
      const err = toWalletError(e);
      if (err.code === 'transport' || err.code === 'locked' || rec.state !== 'paying') throw err;
      return this.view(await this.fail(rec, err));
    }
  }

  /**
   * The shopper opened a receipt: asks the merchant where the payment stands (InqReq, signed by
   * the card that paid, or by its renewed certificate naming the one that paid) at the SET
   * endpoint kept with the receipt, and keeps the InqRes once verified in full: the merchant
   * certificate of the receipt, its chain and revocation, and the echoes of this very InqReq
   * (RRPID, XID, Chall-C). Nothing a page says reaches a receipt; an answer that does not verify
   * changes nothing. Needs the vault unlocked (the inquiry is signed).
   */
  async refreshReceipt(receiptId: string, post: (url: string) => Send): Promise<ReceiptRecord> {
    const r = await this.receipts.get(receiptId);
    const endpoint = r.endpointUrl;
    if (!endpoint) {
      return walletError('notRefreshable', 'this receipt was kept before the wallet could ask about it');
    }
    // Kept from the checkout's initiation on the tab's origin, which the certificate names.
    if (new URL(endpoint).origin !== r.tabOrigin || !r.merchant.origins.includes(r.tabOrigin)) {
      return walletError('notRefreshable', 'the endpoint kept with this receipt is not the merchant’s');
    }
    await this.vault.key();
    const { cardholder } = await this.cards.signer(r.cardId);
    const paid = r.paidWith ? parseCertificate(fromB64u(r.paidWith, 'paidWith')) : undefined;
    const renewed = paid && b64u(paid.thumbprint) !== b64u(cardholder.chain[0].thumbprint);
    const ctx = await this.context(r.brand, r.cardId);
    const inq = await buildInqReq({
      transIds: r.answers.transIds,
      cardholder: {
        privateKey: cardholder.privateKey,
        certificate: cardholder.chain[0],
        chain: cardholder.chain,
      },
      ...(renewed ? { paidWith: paid } : {}),
      now: ctx.clock.now,
    });
    const reply = await exchange(post(endpoint), encodeWire(inq.wire), ctx);
    const res = await this.withRevocation(
      r.brand,
      reply,
      ctx,
      async () => await verifyInqRes(reply, inq.content, fromB64u(r.merchant.thumbprint), ctx),
    );
    const answers = { rrpid: inq.content.rrpid, transIds: inq.content.transIds, challC: inq.content.challC };
    return this.receipts.recordInquiry(
      receiptId,
      { content: res.content, wire: reply, answers },
      this.platform.now().toISOString(),
    );
  }

  private async payOnce(
    requestId: string,
    cardId: string,
    send: Send,
    unsigned: boolean,
  ): Promise<PurchaseView> {
    const stored = await this.load(requestId);
    const resumed = stored.state === 'paying';
    let rec: PayingRecord;
    let ctx: (VerifyContext & { kept: KeptRevocation }) | undefined;
    switch (stored.state) {
      case 'done':
        return this.view(stored);
      case 'rejected':
        return walletError('requestClosed', 'this request was cancelled');
      case 'failed':
        throw new WalletError(
          stored.error.code,
          stored.error.detail,
          stored.error.params,
          stored.error.setCode,
        );
      case 'initiated':
        return walletError('notReady', 'the merchant has not answered yet', { step: stored.state });
      case 'awaitingConfirmation': {
        const built = await this.buildAndKeepPReq(stored, cardId, unsigned);
        rec = built.rec;
        // The trust store the PReq was built with serves its answer too (one per payment), at the
        // time of sending.
        ctx = { ...built.ctx, clock: { now: this.platform.now() } };
        break;
      }
      case 'paying':
        rec = stored;
        break;
    }
    ctx ??= await this.context(rec.brand, rec.cardId);
    let reply: string;
    try {
      reply = await exchange(send, rec.preqWire, ctx);
    } catch (e) {
      const err = toWalletError(e);
      // Transport trouble leaves the request `paying`: a retry re-sends the same PReq.
      if (err.code === 'transport') throw err;
      // The merchant already answered the first copy (the answer was lost with the worker): ask.
      if (resumed && err.code === 'peerError' && err.setCode === 'unknownXID')
        return this.inquire(requestId, send);
      return this.view(await this.fail(rec, err));
    }
    const sent = rec;
    try {
      const res = await this.withRevocation(
        sent.brand,
        reply,
        ctx,
        async () => await verifyPRes(reply, sent.answers, fromB64u(sent.merchant.thumbprint), ctx),
      );
      return this.view(await this.finish(sent, 'PRes', res.content, reply, sent.answers));
    } catch (e) {
      return this.view(await this.fail(sent, e));
    }
  }

  /** Builds the dual-signed PReq once and keeps its wire before anything is sent. */
  private async buildAndKeepPReq(
    rec: RecordIn<'awaitingConfirmation'>,
    cardId: string,
    unsigned: boolean,
  ): Promise<{ rec: PayingRecord; ctx: VerifyContext & { kept: KeptRevocation } }> {
    if (!rec.originBinding.ok)
      walletError('originMismatch', 'the merchant certificate does not name this page');
    if (unsigned && rec.unsignedAllowed !== true) {
      walletError(
        'unsignedNotOffered',
        'the merchant’s payment gateway requires the card’s certificate (cardCertRequired)',
      );
    }
    await this.vault.key();
    const { record, card, cardholder } = await this.cards.signer(cardId);
    if (record.brand !== rec.brand) {
      walletError('noCardForBrand', `the merchant takes ${rec.brand} cards`, { brands: rec.brand });
    }
    const ctx = await this.context(rec.brand, cardId);
    const age = ctx.clock.now.getTime() - rec.pinitAt;
    const kept = this.verifiedPInits.get(rec.requestId);
    const pinit: VerifiedPInitRes = await guard(async () =>
      kept && kept.wire === rec.pinitResWire && kept.req === JSON.stringify(rec.pinitReq)
        ? await this.recheckPInit(kept.pinit, ctx)
        : await verifyPInitRes(rec.pinitResWire, rec.pinitReq, {
            trust: ctx.trust,
            clock: { now: ctx.clock.now, maxAgeMs: DEFAULT_MAX_AGE_MS + age },
          }),
    );
    // Checked again on the verified certificate itself, not only on what was kept of it.
    if (unsigned && pinit.gateway.chain[0]?.cardCertRequired !== false) {
      walletError('unsignedNotOffered', 'the gateway certificate requires the card’s certificate');
    }
    const built = await buildPReq({
      pinit,
      card,
      // Unsigned: PIUnsigned, the PAN and expiry sealed to the gateway, no dual signature.
      ...(unsigned ? {} : { cardholder }),
      bin: card.pan.slice(0, 6),
      swIdent: this.swIdent,
      now: ctx.clock.now,
    });
    const paying: PayingRecord = {
      ...rec,
      state: 'paying',
      updatedAt: ctx.clock.now.getTime(),
      cardId,
      ...(unsigned ? { unsigned: true as const } : {}),
      preqWire: encodeWire(built.wire),
      answers: { rrpid: built.oiData.rrpid, transIds: built.oiData.transIds, challC: built.oiData.challC },
    };
    await this.save(paying);
    return { rec: paying, ctx };
  }

  private async finish(
    rec: RecordIn<'paying' | 'done'>,
    kind: 'PRes' | 'InqRes',
    content: PResContent | InqResContent,
    wire: string,
    answers: PayingRecord['answers'],
  ): Promise<RecordIn<'done'>> {
    const card: CardRecord | undefined = await this.cards.get(rec.cardId).catch(() => undefined);
    const r = content.result;
    await this.receipts.add({
      state: paymentStateOf(content),
      ...(content.results ? { results: content.results } : {}),
      endpointUrl: rec.endpointUrl,
      ...(card && !rec.unsigned ? { paidWith: card.certificate } : {}),
      ...(rec.unsigned ? { unsigned: true } : {}),
      ...(rec.order.installRecurData ? { installRecurData: rec.order.installRecurData } : {}),
      id: content.transIds.xid,
      kind,
      merchant: rec.merchant,
      tabOrigin: rec.tabOrigin,
      od: rec.order.od,
      amount: rec.order.amount,
      status: r.status,
      completionCode: content.completionCode,
      ...(r.authCode ? { authCode: r.authCode } : {}),
      ...(r.reason ? { reason: r.reason } : {}),
      resultAmount: r.amount,
      date: content.date,
      receivedAt: this.platform.now().toISOString(),
      cardId: rec.cardId,
      cardLast4: card?.last4 ?? '',
      brand: card?.brand ?? rec.brand,
      answers,
      wire,
    });
    const done: RecordIn<'done'> = {
      ...rec,
      state: 'done',
      updatedAt: this.platform.now().getTime(),
      receiptId: content.transIds.xid,
    };
    await this.save(done);
    await this.releaseTab(done);
    return done;
  }

  private async fail(rec: RecordIn<'initiated' | 'awaitingConfirmation' | 'paying'>, e: unknown) {
    const failed: RecordIn<'failed'> = {
      ...rec,
      state: 'failed',
      updatedAt: this.platform.now().getTime(),
      error: toWalletError(e).toJSON(),
    };
    await this.save(failed);
    await this.releaseTab(failed);
    return failed;
  }

  private keepVerifiedPInit(requestId: string, wire: string, req: unknown, pinit: VerifiedPInitRes): void {
    this.verifiedPInits.delete(requestId);
    this.verifiedPInits.set(requestId, { wire, req: JSON.stringify(req), pinit });
    const [oldest] = this.verifiedPInits.keys();
    if (this.verifiedPInits.size > MAX_VERIFIED_PINITS && oldest !== undefined) {
      this.verifiedPInits.delete(oldest);
    }
  }

  /**
   * A PInitRes verified on arrival, at Pay: its signatures are not checked again, but both
   * certificate paths are re-checked at the current time, for validity dates and for revocation
   * by the CRLs in force now (the kept ones, verified under the issuers of these very paths).
   */
  private async recheckPInit(pinit: VerifiedPInitRes, ctx: VerifyContext): Promise<VerifiedPInitRes> {
    for (const cert of [...pinit.merchant.chain, ...pinit.gateway.chain]) ctx.trust.add(cert);
    await ctx.trust.offerCrls([], ctx.clock);
    await ctx.trust.cache.recheck(pinit.merchant, ctx.clock.now);
    await ctx.trust.cache.recheck(pinit.gateway, ctx.clock.now);
    return pinit;
  }

  private identity(pinit: VerifiedPInitRes): MerchantIdentity {
    const [cert] = pinit.merchant.chain;
    if (!cert) return walletError('protocol', 'the merchant sent no signature certificate');
    const md = cert.merchantData;
    if (!md) return walletError('protocol', 'the merchant certificate carries no merchant data');
    return {
      name: md.name,
      merchantId: md.merchantId,
      city: md.city,
      ...(md.stateProvince ? { stateProvince: md.stateProvince } : {}),
      country: md.country,
      origins: cert.origins,
      thumbprint: b64u(cert.thumbprint),
      sandbox: this.roots.isSandbox(pinit.merchant.root.thumbprint),
    };
  }

  /** The card whose BIN goes into PInitReq: the default if the merchant takes its brand, else the first that fits. */
  private async cardFor(brands: string[]): Promise<CardRecord> {
    const cards = await this.cards.list();
    if (cards.length === 0) walletError('noCards', 'register a card first');
    const fits = cards.filter((c) => brands.includes(c.brand));
    const chosen = fits.find((c) => c.isDefault) ?? fits[0];
    if (!chosen)
      walletError('noCardForBrand', `the merchant takes ${brands.join(', ')} cards`, {
        brands: brands.join(', '),
      });
    return this.cards.get(chosen.id);
  }

  private async view(rec: PurchaseRecord): Promise<PurchaseView> {
    const v: PurchaseView = {
      requestId: rec.requestId,
      tabId: rec.tabId,
      tabOrigin: rec.tabOrigin,
      endpointUrl: rec.endpointUrl,
      state: rec.state,
      ...('merchant' in rec && rec.merchant ? { merchant: rec.merchant } : {}),
      ...('originBinding' in rec && rec.originBinding ? { originBinding: rec.originBinding } : {}),
      ...('order' in rec && rec.order ? { order: rec.order } : {}),
      ...('cardId' in rec && rec.cardId ? { cardId: rec.cardId } : {}),
      ...('unsigned' in rec && rec.unsigned ? { unsigned: true } : {}),
      ...(rec.state === 'failed' ? { error: rec.error } : {}),
    };
    if (rec.state === 'awaitingConfirmation') {
      const cards = (await this.cards.list()).filter((c) => c.brand === rec.brand);
      v.cards = cards;
      if (rec.unsignedAllowed) v.unsignedOffered = true;
      const pre = cards.find((c) => c.isDefault) ?? cards[0];
      if (pre) v.preselectedCardId = pre.id;
    }
    if (rec.state === 'done') v.receipt = await this.receipts.summary(rec.receiptId);
    return v;
  }

  /**
   * A trust store for one exchange: the trusted roots, the card's CA chain (so the CCA's CRL can
   * be verified too) and the kept CRLs of the brand, which count once their issuers validate.
   */
  private async context(
    brand: string,
    cardId: string | undefined,
  ): Promise<VerifyContext & { kept: KeptRevocation }> {
    const trust = await this.roots.trustStore();
    const clock = { now: this.platform.now() };
    const card = cardId ? await this.cards.get(cardId).catch(() => undefined) : undefined;
    if (card) trust.addEncoded(card.chain);
    const kept = await this.revocations.load(brand);
    await this.revocations.offer(kept, trust, clock);
    return { trust, clock, kept };
  }

  /**
   * Verifies a merchant's answer, then keeps the revocation state it brought (also when the
   * answer was refused: verified CRLs are worth keeping). A revoked certificate, or no current
   * BrandCRLIdentifier for the brand, refuses the answer with a message a person understands.
   */
  private async withRevocation<T>(
    brand: string,
    reply: string,
    ctx: VerifyContext & { kept: KeptRevocation },
    verifyAnswer: () => Promise<T>,
  ): Promise<T> {
    let verified: { value: T } | undefined;
    let failure: unknown;
    try {
      verified = { value: await verifyAnswer() };
    } catch (e) {
      failure = e;
    }
    const carried = (() => {
      try {
        return decodeWire(reply).bci;
      } catch {
        return undefined;
      }
    })();
    const current = await this.revocations.keep(brand, ctx.kept, carried, ctx.trust, ctx.clock);
    if (!verified) throw purchaseError(failure);
    if (!current) {
      throw new WalletError(
        'revocationUnknown',
        `no current BrandCRLIdentifier for ${brand} whose CRLs verify`,
        { brand },
        'missingCertificate',
      );
    }
    return verified.value;
  }

  private async load(requestId: string): Promise<PurchaseRecord> {
    const key = RECORD_PREFIX + requestId;
    const stored =
      typeof requestId === 'string' ? await sessionGet<unknown>(this.platform.session, key) : undefined;
    if (stored === undefined) return walletError('unknownRequest', 'there is no such payment request');
    const rec = await this.readable(key, stored);
    if (!rec) {
      return walletError(
        'unknownRequest',
        'this payment request was kept by another version of the wallet and cannot be read: start again from the shop’s page',
      );
    }
    return rec;
  }

  /**
   * A stored record parsed against the union of states (storage.session is a boundary: a record
   * kept by another version of the wallet may have another shape). One that does not parse is
   * dropped, so that its tab is free, and read as none.
   */
  private async readable(key: string, stored: unknown): Promise<PurchaseRecord | undefined> {
    const parsed = v.safeParse(PurchaseRecord, stored);
    if (parsed.success) return parsed.output;
    await this.platform.session.remove(key);
    return undefined;
  }

  private async save(rec: PurchaseRecord): Promise<void> {
    await this.platform.session.set({ [RECORD_PREFIX + rec.requestId]: rec });
  }

  private async releaseTab(rec: PurchaseRecord): Promise<void> {
    const key = TAB_PREFIX + rec.tabId;
    if ((await sessionGet<string>(this.platform.session, key)) === rec.requestId) {
      await this.platform.session.remove(key);
    }
  }

  /** The tab's open request; one stuck in `initiated` past the timeout is failed and freed. */
  private async openForTab(tabId: number): Promise<PurchaseRecord | undefined> {
    const id = await sessionGet<string>(this.platform.session, TAB_PREFIX + tabId);
    const stored = id ? await sessionGet<unknown>(this.platform.session, RECORD_PREFIX + id) : undefined;
    const rec = stored === undefined ? undefined : await this.readable(RECORD_PREFIX + id, stored);
    if (!rec || !OPEN.includes(rec.state)) return undefined;
    const settled = await this.settle(rec);
    return OPEN.includes(settled.state) ? settled : undefined;
  }

  /**
   * A request `initiated` whose PInitReq no exchange in this worker is waiting for (its worker
   * stopped), or that has waited past INITIATED_TIMEOUT_MS, is failed; anything else as it is.
   */
  private async settle(rec: PurchaseRecord): Promise<PurchaseRecord> {
    if (rec.state !== 'initiated') return rec;
    if (!this.initiating.has(rec.requestId)) {
      return this.fail(
        rec,
        new WalletError('transport', 'the wallet restarted before the merchant answered PInitReq'),
      );
    }
    if (this.platform.now().getTime() - rec.updatedAt > INITIATED_TIMEOUT_MS) {
      return this.fail(rec, new WalletError('transport', 'the merchant did not answer PInitReq'));
    }
    return rec;
  }

  /** Serialises starts per tab so two requests cannot both find the tab free. */
  private async withTab<T>(tabId: number, fn: () => Promise<T>): Promise<T> {
    const before = this.tabLocks.get(tabId) ?? Promise.resolve();
    const run = before.then(fn, fn);
    this.tabLocks.set(
      tabId,
      run.catch(() => {}),
    );
    return run;
  }
}

/** What the page is told when a request ends (nothing about cards), or undefined while it is open. */
export function pageOutcomeOf(view: PurchaseView): PageOutcome | undefined {
  switch (view.state) {
    case 'done':
      // A finished payment always has its receipt; without one there is nothing true to tell.
      return view.receipt ? { status: view.receipt.status, xid: view.receipt.xid } : undefined;
    case 'rejected':
      return { status: 'rejected' };
    case 'failed':
      return { status: 'failed', code: view.error?.setCode ?? view.error?.code ?? 'unspecifiedFailure' };
    default:
      return undefined;
  }
}

async function guard<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw purchaseError(e);
  }
}

/** A failure as the shopper is told: a revoked certificate has its own message. */
function purchaseError(e: unknown): WalletError {
  if (e instanceof SetError && e.code === 'revokedCertificate') {
    return new WalletError('certificateRevoked', e.message, {}, 'revokedCertificate');
  }
  return toWalletError(e);
}

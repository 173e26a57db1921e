/**
 * Card registration (SET Book 2 "Cardholder registration"; SET-PROFILE §4 Cardholder
 * registration 1–3), driven step by step by the background for the wallet's registration page:
 *
 *   start(initiation)        CardCInitReq → CardCInitRes     → step 'card': ask for PAN and expiry
 *   enterCard({pan, expiry}) RegFormReq  → RegFormRes       → step 'form': the issuer's fields and
 *                                                             policy (or 'referral')
 *   submit(answers)          CertReq     → CertRes          → step 'done': the card is in the vault
 *                                                             (or 'rejected', or 'pending')
 *   inquire()                CertInqReq  → CertInqRes       → from 'pending': 'done', 'rejected'
 *                                                             or still 'pending'
 *   renew(cardId)            CardCInitReq, RegFormReq (renewal form), CertReq co-signed by the
 *                            card's current key → CertRes    → 'done' (the same card, its new
 *                                                             certificate and key) or 'pending'
 *
 * A registration the CCA leaves pending is kept in IndexedDB (sealed, the `registrations` store)
 * until it is decided, across browser restarts; "check again" (inquire) asks the CCA itself at the
 * endpoint the registration went to (directTransport: the issuer page need not be open), and also
 * fetches a CertRes lost in transit. Renewal asks that CCA the same way, from the popup or the
 * settings. A registration of the same PAN again, for a card whose certificate has expired or is
 * about to (an expired certificate cannot sign a renewal), renews that card instead of adding one.
 *
 * The PAN is typed into the wallet's own page, never the issuer's. Between steps the record waits
 * in storage.session, sealed under the vault key (it holds the PAN), so that a service worker
 * killed while the user types does not lose it. Every step needs the vault unlocked. The record
 * is a union keyed by its step ('card', 'form', 'pending': the steps that wait for the user or
 * the CCA), so what a step has is there by its type.
 */

import * as v from 'valibot';
import {
  b64u,
  buildCardCInitReq,
  buildCardholderCertReq,
  buildCertInqReq,
  buildRegFormReq,
  CardCInitReqContent,
  CardholderCertReqData,
  DEFAULT_MAX_AGE_MS,
  encodeWire,
  fromB64u,
  generateKeyPairNative,
  hex,
  isLuhnValid,
  parseRegistrationInitiation,
  RegForm,
  type RegFormAnswers,
  RegFormAnswers as RegFormAnswersSchema,
  RegFormReqData,
  regFormAnswersProblem,
  type VerifiedCardCInitRes,
  type VerifiedCertRes,
  type VerifyContext,
  verifyCardCInitRes,
  verifyCardholderCertInqRes,
  verifyCardholderCertRes,
  verifyRegFormRes,
} from '../protocol/core.ts';
import type { CardSummary, Cards, RenewedCertificate } from './cards.ts';
import { toWalletError, WalletError, walletError } from './errors.ts';
import { exchange, type Send } from './exchange.ts';
import { sessionGet, type WalletPlatform, walletLanguage } from './platform.ts';
import type { TrustedRoots } from './roots.ts';
import { randomBytes, type Sealed } from './vault/crypto.ts';
import type { PendingRegistrationRecord, WalletDb } from './vault/db.ts';
import type { Vault } from './vault/vault.ts';

/** How long a registration may wait between steps. */
export const REGISTRATION_TTL_MS = 30 * 60_000;
/** How long the wallet keeps asking about a registration the CCA left pending. */
export const PENDING_TTL_MS = 90 * 24 * 60 * 60_000;
const SESSION_PREFIX = 'wallet.registration.';

export type RegistrationStep = 'card' | 'form' | 'pending' | 'done' | 'referral' | 'rejected';

export interface RegistrationView {
  registrationId: string;
  step: RegistrationStep;
  brand: string;
  /**
   * From the page's initiation: shown only as what the page says. The card's issuer label comes
   * from the verified CCA certificate (CardSummary.issuerName).
   */
  issuerName?: string;
  /** The issuer page's origin, as the browser reported it. */
  origin: string;
  /** The CCA's SET endpoint on that origin, and the issuer page's tab: where the page transport goes. */
  endpointUrl: string;
  tabId?: number;
  /** The cardholder CA from its verified certificate. */
  ca: { name: string; sandbox: boolean };
  form?: RegForm;
  referral?: string;
  reason?: string;
  card?: CardSummary;
  /** A renewal: the card it renews (its id). */
  renews?: string;
  /** Pending because the CA's answer did not arrive: "check again" fetches it. */
  lost?: boolean;
}

/** A registration the CCA left pending, as the popup and the settings list it ("check again"). */
export interface PendingRegistrationSummary {
  registrationId: string;
  brand: string;
  /** The cardholder CA's name, from its verified certificate. */
  caName: string;
  last4: string;
  origin: string;
  since: string;
  renews?: string;
}

const Text = v.pipe(v.string(), v.maxLength(4096));
const Time = v.pipe(v.number(), v.safeInteger());

/** What a registration has from its verified CardCInitRes on. */
const Started = {
  id: v.pipe(v.string(), v.maxLength(64)),
  brand: Text,
  issuerName: v.optional(Text),
  origin: Text,
  endpointUrl: Text,
  tabId: v.optional(v.pipe(v.number(), v.safeInteger())),
  startedAt: Time,
  ca: v.strictObject({ name: Text, sandbox: v.boolean() }),
  initReq: CardCInitReqContent,
  initResWire: v.string(),
  initAt: Time,
  /** A renewal: the id of the card whose certificate it renews. */
  renews: v.optional(Text),
};

/** What a verified RegFormRes established: the card entered and the issuer's form for it. */
const Formed = {
  card: v.strictObject({ pan: Text, expiry: Text }),
  regFormReq: RegFormReqData,
  regFormResWire: v.string(),
  regFormAt: Time,
  form: RegForm,
};

/**
 * A registration as storage.session keeps it between steps: one shape per step that waits.
 * 'pending' is at the CCA and keeps the CertReq and its new key, to ask again with CertInqReq.
 * Stored data is a boundary: every read parses it (`load`), and a record this version does not
 * know (an older wallet's) is refused, never half-read.
 */
const RegistrationRecord = v.variant('step', [
  v.strictObject({ ...Started, step: v.literal('card') }),
  v.strictObject({ ...Started, ...Formed, step: v.literal('form') }),
  v.strictObject({
    ...Started,
    ...Formed,
    step: v.literal('pending'),
    /** `wire`: the CertReq as sent, while its answer is unknown (lost in transit). */
    certReq: v.strictObject({
      content: CardholderCertReqData,
      privateKey: Text,
      cardSecret: Text,
      wire: v.optional(v.string()),
    }),
    /** When the CCA answered pending (or its answer was lost), ms since the epoch. */
    pendingSince: Time,
  }),
]);
type RegistrationRecord = v.InferOutput<typeof RegistrationRecord>;
type KeptStep = RegistrationRecord['step'];
type RecordAt<S extends KeptStep> = Extract<RegistrationRecord, { step: S }>;
type PendingCertReq = RecordAt<'pending'>['certReq'];

export interface CardEntry {
  /** Digits; spaces and dashes are ignored. */
  pan: string;
  /** YYYYMM */
  expiry: string;
}

export class Registrations {
  constructor(
    private readonly platform: WalletPlatform,
    private readonly vault: Vault,
    private readonly roots: TrustedRoots,
    private readonly cards: Cards,
    private readonly db: WalletDb,
  ) {}

  /**
   * Starts from a registration initiation the content script read on the issuer page.
   * `origin` is the page's origin from the browser's sender, never from the page.
   */
  async start(
    p: { initiation: string; origin: string; tabId?: number },
    send: Send,
  ): Promise<RegistrationView> {
    await this.vault.key();
    const initiation = await guard(() => parseRegistrationInitiation(p.initiation, p.origin));
    const now = this.platform.now();
    const trust = await this.roots.trustStore();
    const req = buildCardCInitReq({ brandId: initiation.brand, now });
    const reply = await exchange(send, encodeWire(req.wire), { trust, clock: { now } });
    const init = await guard(
      async () => await verifyCardCInitRes(reply, req.content, { trust, clock: { now } }),
    );
    const state: RecordAt<'card'> = {
      ...this.started(init, req.content, reply, now),
      step: 'card',
      ...(initiation.issuerName ? { issuerName: initiation.issuerName } : {}),
      origin: p.origin,
      endpointUrl: initiation.endpointUrl,
      ...(p.tabId === undefined ? {} : { tabId: p.tabId }),
    };
    await this.save(state);
    return view(state, 'card');
  }

  /** The card to register: RegFormReq carries the PAN, sealed to the CCA. */
  async enterCard(id: string, entry: CardEntry, send: Send): Promise<RegistrationView> {
    const state = await this.load(id, 'card');
    const card = this.checkCard(entry);
    const ctx = await this.context();
    const init = await this.reverifyInit(state, ctx);
    const req = await buildRegFormReq({
      init,
      pan: card.pan,
      language: walletLanguage(this.platform),
      now: ctx.clock.now,
    });
    const reply = await exchange(send, encodeWire(req.wire), ctx);
    const res = await guard(async () => await verifyRegFormRes(reply, req.content, ctx));
    // verifyRegFormRes holds the CCA to exactly one of regForm and referral.
    const { regForm, referral } = res.content;
    if (regForm === undefined) {
      await this.drop(id);
      return view(state, 'referral', referral === undefined ? {} : { referral });
    }
    const next: RecordAt<'form'> = {
      ...state,
      step: 'form',
      card,
      regFormReq: req.content,
      regFormResWire: reply,
      regFormAt: ctx.clock.now.getTime(),
      form: regForm,
    };
    await this.save(next);
    return view(next, 'form');
  }

  /**
   * The answers to the issuer's form: CertReq (signed with a new key, sealed to the CCA) → CertRes,
   * whose certificate verifyCardholderCertRes checks against this card's unique cardholder ID. The card is
   * then kept in the vault.
   */
  async submit(id: string, answers: RegFormAnswers, send: Send): Promise<RegistrationView> {
    const state = await this.load(id, 'form');
    const parsed = v.safeParse(RegFormAnswersSchema, answers);
    const problem = parsed.success
      ? regFormAnswersProblem(state.form, parsed.output)
      : (parsed.issues[0]?.message ?? 'malformed');
    if (problem) walletError('invalidAnswers', `the form is not filled in: ${problem}`, { problem });
    const ctx = await this.context();
    const init = await this.reverifyInit(state, ctx);
    const form = await guard(
      async () =>
        await verifyRegFormRes(
          state.regFormResWire,
          state.regFormReq,
          this.olderContext(ctx, state.regFormAt),
        ),
    );
    const keys = await generateKeyPairNative();
    const certReq = await buildCardholderCertReq({
      answering: form.content,
      caKeyExchange: init.caKeyExchange.chain[0],
      privateKey: keys.privateKey,
      publicKey: keys.publicKey,
      request: { requestType: 'cardholder', card: state.card },
      answers: parsed.success ? parsed.output : {},
      now: ctx.clock.now,
    });
    const cardSecret = certReq.cardSecret;
    return this.certify(state, encodeWire(certReq.wire), send, ctx, {
      content: certReq.content,
      privateKey: b64u(keys.privateKey),
      cardSecret: b64u(cardSecret),
    });
  }

  /**
   * Sends a CertReq and settles its CertRes. When no answer arrives (a transport failure), the
   * CertReq may have reached the CA: the registration is kept pending with its bytes, and "check
   * again" asks for its answer (or sends the very same bytes again if the CA never saw them).
   */
  private async certify(
    state: RecordAt<'form' | 'pending'>,
    wire: string,
    send: Send,
    ctx: VerifyContext,
    kept: PendingCertReq,
  ): Promise<RegistrationView> {
    let reply: string;
    try {
      reply = await exchange(send, wire, ctx);
    } catch (e) {
      if (!(e instanceof WalletError && e.code === 'transport')) throw e;
      const next: RecordAt<'pending'> = {
        ...state,
        step: 'pending',
        certReq: { ...kept, wire },
        pendingSince: state.step === 'pending' ? state.pendingSince : this.platform.now().getTime(),
      };
      await this.keepPending(next);
      return view(next, 'pending', { lost: true });
    }
    const res = await guard(async () => await verifyCardholderCertRes(reply, kept.content, ctx));
    return this.settle(state, res, kept);
  }

  /**
   * A registration the CCA left pending: CertInqReq (signed with the CertReq's new key) →
   * CertInqRes, which issues, rejects, or is still pending. Also fetches again a CertRes that was
   * lost: the CCA answers with the certificate it issued, never a second one.
   */
  async inquire(id: string, send: Send): Promise<RegistrationView> {
    const state = await this.load(id, 'pending');
    const pending = state.certReq;
    const ctx = await this.context();
    const inq = await buildCertInqReq({
      certReq: pending.content,
      privateKey: fromB64u(pending.privateKey, 'privateKey'),
      now: ctx.clock.now,
    });
    let reply: string;
    try {
      reply = await exchange(send, encodeWire(inq.wire), ctx);
    } catch (e) {
      // A CertReq whose answer was lost and that the CA never saw: the very same bytes again (the
      // CA answers a repeated RRPID with its stored answer, so this never certifies twice).
      if (pending.wire && e instanceof WalletError && e.setCode === 'unknownRRPID') {
        const { wire, ...kept } = pending;
        return this.certify(state, wire, send, ctx, kept);
      }
      throw e;
    }
    const res = await guard(
      async () => await verifyCardholderCertInqRes(reply, inq.content, pending.content, ctx),
    );
    const { wire: _sent, ...kept } = pending;
    return this.settle(state, res, kept);
  }

  /** What a verified CertRes or CertInqRes leads to: the card kept, a refusal, or waiting. */
  private async settle(
    state: RecordAt<'form' | 'pending'>,
    res: VerifiedCertRes,
    certReq: PendingCertReq,
  ): Promise<RegistrationView> {
    const reason = res.status !== 'issued' && res.reason ? { reason: res.reason } : {};
    if (res.status === 'pending') {
      const next: RecordAt<'pending'> = {
        ...state,
        step: 'pending',
        certReq,
        pendingSince: state.step === 'pending' ? state.pendingSince : this.platform.now().getTime(),
      };
      await this.keepPending(next);
      return view(next, 'pending', reason);
    }
    if (res.status === 'rejected') {
      await this.drop(state.id);
      return view(state, 'rejected', reason);
    }
    // verifyCardholderCertRes derives PANSecret for every request it accepts.
    const panSecret = res.panSecret ?? notCardholder('CertRes', 'PANSecret');
    const renewed: RenewedCertificate = {
      cardSecret: fromB64u(certReq.cardSecret, 'cardSecret'),
      panSecret,
      privateKey: fromB64u(certReq.privateKey, 'privateKey'),
      path: res.path,
      registeredAt: { origin: state.origin, endpointUrl: state.endpointUrl },
    };
    // The card is kept (or renewed) before the registration is dropped: a failure in between
    // leaves the registration to ask again, and the CCA answers with the same certificate.
    const renews = state.renews ?? (await this.cards.renewableWithPan(res.path.brandId, state.card.pan));
    const card = renews
      ? await this.cards.renewCertificate(renews, renewed)
      : await this.cards.add({ ...renewed, brand: res.path.brandId, ...state.card });
    await this.drop(state.id);
    return view(state, 'done', { card });
  }

  /**
   * Renews card `cardId`'s certificate at the CCA it was registered with, asked directly
   * (`sendTo(endpointUrl)`): the renewal form (nothing to fill in), then a CertReq with a new key,
   * co-signed by the card's current key (SET Book 2 "Certificate renewal"). Issued: the same card
   * gets the new certificate and key in one write. Pending: kept like a pending registration.
   * Refused: the card stays as it was, and the view says why.
   */
  async renew(cardId: string, sendTo: (url: string) => Send): Promise<RegistrationView> {
    await this.vault.key();
    const record = await this.cards.get(cardId);
    const at = record.registeredAt;
    if (this.cards.renewalOf(record) === 'expired') {
      walletError('cardExpired', 'an expired certificate cannot sign its renewal: register the card again', {
        origin: at?.origin ?? '',
      });
    }
    if (!at) walletError('notRenewable', 'the wallet does not know where this card was registered');
    for (const pending of await this.db.getAll('registrations')) {
      if (pending.renews === cardId) {
        walletError('wrongStep', 'a renewal of this card is pending: check again', { step: 'pending' });
      }
    }
    const { card, cardholder } = await this.cards.signer(cardId);
    const send = sendTo(at.endpointUrl);
    const ctx = await this.context();
    const now = ctx.clock.now;
    const req = buildCardCInitReq({ brandId: record.brand, now });
    const reply = await exchange(send, encodeWire(req.wire), ctx);
    const init = await guard(async () => await verifyCardCInitRes(reply, req.content, ctx));
    // The CA that answers must be the one that certified the card, under the same root.
    const issuerCa = cardholder.chain[1];
    if (
      hex(init.ca.root.thumbprint) !== record.rootThumbprint ||
      !issuerCa ||
      init.ca.chain[0].subject.commonName !== issuerCa.subject.commonName
    ) {
      walletError('protocol', 'the CA at the registration address is not the one that certified this card');
    }
    const regReq = await buildRegFormReq({
      init,
      pan: card.pan,
      language: walletLanguage(this.platform),
      renewal: true,
      now,
    });
    const regReply = await exchange(send, encodeWire(regReq.wire), ctx);
    const form = await guard(async () => await verifyRegFormRes(regReply, regReq.content, ctx));
    const { regForm, referral } = form.content;
    if (regForm === undefined) {
      return walletError('registrationRejected', 'the issuer refers the renewal elsewhere', {
        reason: referral ?? '',
      });
    }
    const keys = await generateKeyPairNative();
    const certReq = await buildCardholderCertReq({
      answering: form.content,
      caKeyExchange: init.caKeyExchange.chain[0],
      privateKey: keys.privateKey,
      publicKey: keys.publicKey,
      request: {
        requestType: 'cardholder',
        card: { pan: card.pan, expiry: card.expiry },
        cardSecret: card.cardSecret,
        renewal: {
          certificate: cardholder.chain[0]!,
          privateKey: cardholder.privateKey,
          panSecret: card.panSecret,
        },
      },
      answers: {},
      now,
    });
    const state: RecordAt<'form'> = {
      ...this.started(init, req.content, reply, now),
      step: 'form',
      origin: at.origin,
      endpointUrl: at.endpointUrl,
      renews: cardId,
      card: { pan: card.pan, expiry: card.expiry },
      regFormReq: regReq.content,
      regFormResWire: regReply,
      regFormAt: now.getTime(),
      form: regForm,
    };
    return this.certify(state, encodeWire(certReq.wire), send, ctx, {
      content: certReq.content,
      privateKey: b64u(keys.privateKey),
      cardSecret: b64u(certReq.cardSecret),
    });
  }

  /** The registrations the CCA left pending, newest first (public parts only; no key needed). */
  async pending(): Promise<PendingRegistrationSummary[]> {
    const records = await this.db.getAll('registrations');
    return records
      .sort((a, b) => b.since.localeCompare(a.since))
      .map((r) => ({
        registrationId: r.id,
        brand: r.brand,
        caName: r.caName,
        last4: r.last4,
        origin: r.origin,
        since: r.since,
        ...(r.renews ? { renews: r.renews } : {}),
      }));
  }

  /** Where a registration's messages go: its CCA endpoint (for "check again", asked directly). */
  async endpointOf(id: string): Promise<string> {
    return (await this.load(id)).endpointUrl;
  }

  async get(id: string): Promise<RegistrationView> {
    const state = await this.load(id);
    return view(state, state.step);
  }

  /**
   * Ends a registration (its window closed). One the CA left pending is kept: the CA has the
   * request, and "check again" finishes it later.
   */
  async cancel(id: string): Promise<void> {
    if (typeof id === 'string' && (await this.db.get('registrations', id))) return;
    await this.drop(id);
  }

  private checkCard(entry: CardEntry): { pan: string; expiry: string } {
    const pan = typeof entry?.pan === 'string' ? entry.pan.replace(/[\s-]/g, '') : '';
    if (!isLuhnValid(pan)) {
      walletError('invalidCardNumber', 'that is not a card number');
    }
    const expiry = typeof entry.expiry === 'string' ? entry.expiry : '';
    const now = this.platform.now();
    const thisMonth = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    if (!/^\d{4}(0[1-9]|1[0-2])$/.test(expiry) || expiry < thisMonth) {
      walletError('invalidExpiry', 'that is not a future expiry date (YYYYMM)');
    }
    return { pan, expiry };
  }

  private async context(): Promise<VerifyContext> {
    return { trust: await this.roots.trustStore(), clock: { now: this.platform.now() } };
  }

  /** Verification of a message received earlier: the same checks, its age measured from its receipt. */
  private olderContext(ctx: VerifyContext, receivedAt: number): VerifyContext {
    const age = ctx.clock.now.getTime() - receivedAt;
    return { trust: ctx.trust, clock: { now: ctx.clock.now, maxAgeMs: DEFAULT_MAX_AGE_MS + age } };
  }

  private async reverifyInit(state: RegistrationRecord, ctx: VerifyContext): Promise<VerifiedCardCInitRes> {
    return await guard(
      async () =>
        await verifyCardCInitRes(state.initResWire, state.initReq, this.olderContext(ctx, state.initAt)),
    );
  }

  private async save(state: RegistrationRecord): Promise<void> {
    const sealed = await this.vault.sealJson(`registration/${state.id}`, state);
    await this.platform.session.set({ [SESSION_PREFIX + state.id]: sealed });
  }

  /** A pending registration outlives the session: sealed into IndexedDB, out of storage.session. */
  /**
   * What a new registration (or renewal) keeps of its verified CardCInitRes: a fresh id, the
   * brand, the CA's name and whether it is the sandbox's, the request and the answer as received.
   */
  private started(
    init: VerifiedCardCInitRes,
    initReq: RecordAt<'card'>['initReq'],
    initResWire: string,
    now: Date,
  ): Pick<RecordAt<'card'>, 'id' | 'brand' | 'startedAt' | 'ca' | 'initReq' | 'initResWire' | 'initAt'> {
    return {
      id: b64u(randomBytes(16)),
      brand: init.ca.brandId,
      startedAt: now.getTime(),
      ca: {
        name: init.ca.chain[0].subject.commonName,
        sandbox: this.roots.isSandbox(init.ca.root.thumbprint),
      },
      initReq,
      initResWire,
      initAt: now.getTime(),
    };
  }

  private async keepPending(state: RecordAt<'pending'>): Promise<void> {
    const sealed = await this.vault.sealJson(`registration/${state.id}`, state);
    const record: PendingRegistrationRecord = {
      id: state.id,
      sealed,
      brand: state.brand,
      caName: state.ca.name,
      last4: state.card.pan.slice(-4),
      origin: state.origin,
      since: new Date(state.pendingSince).toISOString(),
      ...(state.renews ? { renews: state.renews } : {}),
    };
    await this.db.put('registrations', record);
    await this.platform.session.remove(SESSION_PREFIX + state.id);
  }

  /** The registration kept under `id`, at `step` if one is named (else `wrongStep`). */
  private async load<S extends KeptStep>(id: string, step: S): Promise<RecordAt<S>>;
  private async load(id: string): Promise<RegistrationRecord>;
  private async load(id: string, step?: KeptStep): Promise<RegistrationRecord> {
    const kept = typeof id === 'string' ? await this.db.get('registrations', id) : undefined;
    const sealed =
      kept?.sealed ??
      (typeof id === 'string'
        ? await sessionGet<Sealed>(this.platform.session, SESSION_PREFIX + id)
        : undefined);
    if (!sealed) return walletError('unknownRegistration', 'this registration is over or never started');
    const parsed = v.safeParse(
      RegistrationRecord,
      await this.vault.openJson<unknown>(`registration/${id}`, sealed),
    );
    if (!parsed.success) {
      await this.drop(id);
      return walletError(
        'unknownRegistration',
        'this registration was kept by another version of the wallet and cannot be read: start again',
      );
    }
    const state = parsed.output;
    const pendingSince = state.step === 'pending' ? state.pendingSince : undefined;
    const age = this.platform.now().getTime() - (pendingSince ?? state.startedAt);
    if (age > (pendingSince === undefined ? REGISTRATION_TTL_MS : PENDING_TTL_MS)) {
      await this.drop(id);
      return walletError('unknownRegistration', 'this registration took too long: start again');
    }
    if (step && state.step !== step) {
      walletError('wrongStep', `the registration is at step ${state.step}`, { step: state.step });
    }
    return state;
  }

  private async drop(id: string): Promise<void> {
    await this.platform.session.remove(SESSION_PREFIX + id);
    await this.db.delete('registrations', id);
  }
}

/** What the registration page is shown of a record that is now at `step` (kept, or over). */
function view(
  s: RegistrationRecord,
  step: RegistrationStep,
  extra: Partial<RegistrationView> = {},
): RegistrationView {
  return {
    registrationId: s.id,
    step,
    brand: s.brand,
    ...(s.issuerName ? { issuerName: s.issuerName } : {}),
    origin: s.origin,
    endpointUrl: s.endpointUrl,
    ...(s.tabId === undefined ? {} : { tabId: s.tabId }),
    ca: s.ca,
    ...(step === 'form' && s.step === 'form' ? { form: s.form } : {}),
    ...(s.renews ? { renews: s.renews } : {}),
    ...extra,
  };
}

/** A cardholder value the protocol functions always give missing: a SET failure, never a crash. */
function notCardholder(message: string, value: string): never {
  throw new WalletError(
    'protocol',
    `the ${message} has no ${value}`,
    { setCode: 'unspecifiedFailure' },
    'unspecifiedFailure',
  );
}

/** Runs a protocol step; its SetError becomes a WalletError with the SET code. */
async function guard<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toWalletError(e);
  }
}

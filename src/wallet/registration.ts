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
  buildCertInqReq,
  buildCertReq,
  buildRegFormReq,
  CardCInitReqContent,
  CertReqData,
  DEFAULT_MAX_AGE_MS,
  encodeWire,
  fromB64u,
  generateKeyPairNative,
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
  verifyCertInqRes,
  verifyCertRes,
  verifyRegFormRes,
} from '../protocol/core.ts';
import type { CardSummary, Cards } from './cards.ts';
import { toWalletError, WalletError, walletError } from './errors.ts';
import { exchange, type Send } from './exchange.ts';
import { sessionGet, type WalletPlatform, walletLanguage } from './platform.ts';
import type { TrustedRoots } from './roots.ts';
import { randomBytes, type Sealed } from './vault/crypto.ts';
import type { Vault } from './vault/vault.ts';

/** How long a registration may wait between steps. */
export const REGISTRATION_TTL_MS = 30 * 60_000;
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
    certReq: v.strictObject({ content: CertReqData, privateKey: Text, cardSecret: Text }),
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
      id: b64u(randomBytes(16)),
      step: 'card',
      brand: init.ca.brandId,
      ...(initiation.issuerName ? { issuerName: initiation.issuerName } : {}),
      origin: p.origin,
      endpointUrl: initiation.endpointUrl,
      ...(p.tabId === undefined ? {} : { tabId: p.tabId }),
      startedAt: now.getTime(),
      ca: {
        name: init.ca.chain[0].subject.commonName,
        sandbox: this.roots.isSandbox(init.ca.root.thumbprint),
      },
      initReq: req.content,
      initResWire: reply,
      initAt: now.getTime(),
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
   * whose certificate verifyCertRes checks against this card's unique cardholder ID. The card is
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
    const certReq = await buildCertReq({
      answering: form.content,
      caKeyExchange: init.caKeyExchange.chain[0],
      privateKey: keys.privateKey,
      request: { requestType: 'cardholder', card: state.card },
      answers: parsed.success ? parsed.output : {},
      now: ctx.clock.now,
    });
    const reply = await exchange(send, encodeWire(certReq.wire), ctx);
    const res = await guard(async () => await verifyCertRes(reply, certReq.content, ctx));
    // buildCertReq draws a CardSecret for every cardholder request.
    const cardSecret = certReq.cardSecret ?? notCardholder('CertReq', 'CardSecret');
    return this.settle(state, res, {
      content: certReq.content,
      privateKey: b64u(keys.privateKey),
      cardSecret: b64u(cardSecret),
    });
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
    const reply = await exchange(send, encodeWire(inq.wire), ctx);
    const res = await guard(async () => await verifyCertInqRes(reply, inq.content, pending.content, ctx));
    return this.settle(state, res, pending);
  }

  /** What a verified CertRes or CertInqRes leads to: the card kept, a refusal, or waiting. */
  private async settle(
    state: RecordAt<'form' | 'pending'>,
    res: VerifiedCertRes,
    certReq: PendingCertReq,
  ): Promise<RegistrationView> {
    const reason = res.status !== 'issued' && res.reason ? { reason: res.reason } : {};
    if (res.status === 'pending') {
      const next: RecordAt<'pending'> = { ...state, step: 'pending', certReq };
      await this.save(next);
      return view(next, 'pending', reason);
    }
    await this.drop(state.id);
    if (res.status === 'rejected') return view(state, 'rejected', reason);
    // verifyCertRes derives PANSecret for every cardholder request it accepts.
    const panSecret = res.panSecret ?? notCardholder('CertRes', 'PANSecret');
    const card = await this.cards.add({
      brand: res.path.brandId,
      pan: state.card.pan,
      expiry: state.card.expiry,
      cardSecret: fromB64u(certReq.cardSecret, 'cardSecret'),
      panSecret,
      privateKey: fromB64u(certReq.privateKey, 'privateKey'),
      path: res.path,
    });
    return view(state, 'done', { card });
  }

  async get(id: string): Promise<RegistrationView> {
    const state = await this.load(id);
    return view(state, state.step);
  }

  async cancel(id: string): Promise<void> {
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

  /** The registration kept under `id`, at `step` if one is named (else `wrongStep`). */
  private async load<S extends KeptStep>(id: string, step: S): Promise<RecordAt<S>>;
  private async load(id: string): Promise<RegistrationRecord>;
  private async load(id: string, step?: KeptStep): Promise<RegistrationRecord> {
    const sealed =
      typeof id === 'string'
        ? await sessionGet<Sealed>(this.platform.session, SESSION_PREFIX + id)
        : undefined;
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
    if (this.platform.now().getTime() - state.startedAt > REGISTRATION_TTL_MS) {
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

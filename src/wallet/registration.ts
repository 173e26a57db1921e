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
 * The PAN is typed into the wallet's own page, never the issuer's. Between steps the state waits
 * in storage.session, sealed under the vault key (it holds the PAN), so that a service worker
 * killed while the user types does not lose it. Every step needs the vault unlocked.
 */

import * as v from 'valibot';
import {
  b64u,
  buildCardCInitReq,
  buildCertInqReq,
  buildCertReq,
  buildRegFormReq,
  type CardCInitReqContent,
  type CertReqData,
  DEFAULT_MAX_AGE_MS,
  encodeWire,
  fromB64u,
  generateKeyPair,
  isLuhnValid,
  parseRegistrationInitiation,
  type RegForm,
  type RegFormAnswers,
  RegFormAnswers as RegFormAnswersSchema,
  type RegFormReqData,
  regFormAnswersProblem,
  type VerifiedCardCInitRes,
  type VerifiedCertRes,
  type VerifyContext,
  verifyCardCInitRes,
  verifyCertInqRes,
  verifyCertRes,
  verifyRegFormRes,
} from '../protocol/index.ts';
import type { CardSummary, Cards } from './cards.ts';
import { toWalletError, walletError } from './errors.ts';
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

interface RegistrationState {
  id: string;
  step: RegistrationStep;
  brand: string;
  issuerName?: string;
  origin: string;
  endpointUrl: string;
  tabId?: number;
  startedAt: number;
  ca: { name: string; sandbox: boolean };
  initReq: CardCInitReqContent;
  initResWire: string;
  initAt: number;
  card?: { pan: string; expiry: string };
  regFormReq?: RegFormReqData;
  regFormResWire?: string;
  regFormAt?: number;
  form?: RegForm;
  /** Pending at the CCA: the CertReq and its new key, to ask again with CertInqReq. */
  certReq?: { content: CertReqData; privateKey: string; cardSecret: string };
}

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
    const state: RegistrationState = {
      id: b64u(randomBytes(16)),
      step: 'card',
      brand: init.ca.brandId,
      ...(initiation.issuerName ? { issuerName: initiation.issuerName } : {}),
      origin: p.origin,
      endpointUrl: initiation.endpointUrl,
      ...(p.tabId === undefined ? {} : { tabId: p.tabId }),
      startedAt: now.getTime(),
      ca: {
        name: init.ca.chain[0]!.subject.commonName,
        sandbox: this.roots.isSandbox(init.ca.root.thumbprint),
      },
      initReq: req.content,
      initResWire: reply,
      initAt: now.getTime(),
    };
    await this.save(state);
    return view(state);
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
    if (res.content.referral !== undefined) {
      await this.drop(id);
      return view({ ...state, step: 'referral' }, { referral: res.content.referral });
    }
    const next: RegistrationState = {
      ...state,
      step: 'form',
      card,
      regFormReq: req.content,
      regFormResWire: reply,
      regFormAt: ctx.clock.now.getTime(),
      form: res.content.regForm!,
    };
    await this.save(next);
    return view(next);
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
      ? regFormAnswersProblem(state.form!, parsed.output)
      : (parsed.issues[0]?.message ?? 'malformed');
    if (problem) walletError('invalidAnswers', `the form is not filled in: ${problem}`, { problem });
    const ctx = await this.context();
    const init = await this.reverifyInit(state, ctx);
    const form = await guard(
      async () =>
        await verifyRegFormRes(
          state.regFormResWire!,
          state.regFormReq!,
          this.olderContext(ctx, state.regFormAt!),
        ),
    );
    const keys = generateKeyPair();
    const certReq = await buildCertReq({
      answering: form.content,
      caKeyExchange: init.caKeyExchange.chain[0]!,
      privateKey: keys.privateKey,
      request: { requestType: 'cardholder', card: state.card! },
      answers: parsed.success ? parsed.output : {},
      now: ctx.clock.now,
    });
    const reply = await exchange(send, encodeWire(certReq.wire), ctx);
    const res = await guard(async () => await verifyCertRes(reply, certReq.content, ctx));
    return this.settle(state, res, {
      content: certReq.content,
      privateKey: b64u(keys.privateKey),
      cardSecret: b64u(certReq.cardSecret!),
    });
  }

  /**
   * A registration the CCA left pending: CertInqReq (signed with the CertReq's new key) →
   * CertInqRes, which issues, rejects, or is still pending. Also fetches again a CertRes that was
   * lost: the CCA answers with the certificate it issued, never a second one.
   */
  async inquire(id: string, send: Send): Promise<RegistrationView> {
    const state = await this.load(id, 'pending');
    const pending = state.certReq!;
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
    state: RegistrationState,
    res: VerifiedCertRes,
    certReq: NonNullable<RegistrationState['certReq']>,
  ): Promise<RegistrationView> {
    const reason = res.status !== 'issued' && res.reason ? { reason: res.reason } : {};
    if (res.status === 'pending') {
      const next: RegistrationState = { ...state, step: 'pending', certReq };
      await this.save(next);
      return view(next, reason);
    }
    await this.drop(state.id);
    if (res.status === 'rejected') return view({ ...state, step: 'rejected' }, reason);
    const card = await this.cards.add({
      brand: res.path.brandId,
      pan: state.card!.pan,
      expiry: state.card!.expiry,
      cardSecret: fromB64u(certReq.cardSecret, 'cardSecret'),
      panSecret: res.panSecret!,
      privateKey: fromB64u(certReq.privateKey, 'privateKey'),
      path: res.path,
    });
    return view({ ...state, step: 'done' }, { card });
  }

  async get(id: string): Promise<RegistrationView> {
    return view(await this.load(id));
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

  private async reverifyInit(state: RegistrationState, ctx: VerifyContext): Promise<VerifiedCardCInitRes> {
    return await guard(
      async () =>
        await verifyCardCInitRes(state.initResWire, state.initReq, this.olderContext(ctx, state.initAt)),
    );
  }

  private async save(state: RegistrationState): Promise<void> {
    const sealed = await this.vault.sealJson(`registration/${state.id}`, state);
    await this.platform.session.set({ [SESSION_PREFIX + state.id]: sealed });
  }

  private async load(id: string, step?: RegistrationStep): Promise<RegistrationState> {
    const sealed =
      typeof id === 'string'
        ? await sessionGet<Sealed>(this.platform.session, SESSION_PREFIX + id)
        : undefined;
    if (!sealed) return walletError('unknownRegistration', 'this registration is over or never started');
    const state = await this.vault.openJson<RegistrationState>(`registration/${id}`, sealed);
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

function view(s: RegistrationState, extra: Partial<RegistrationView> = {}): RegistrationView {
  return {
    registrationId: s.id,
    step: s.step,
    brand: s.brand,
    ...(s.issuerName ? { issuerName: s.issuerName } : {}),
    origin: s.origin,
    endpointUrl: s.endpointUrl,
    ...(s.tabId === undefined ? {} : { tabId: s.tabId }),
    ca: s.ca,
    ...(s.step === 'form' && s.form ? { form: s.form } : {}),
    ...extra,
  };
}

/** Runs a protocol step; its SetError becomes a WalletError with the SET code. */
async function guard<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toWalletError(e);
  }
}

/**
 * What the registration handlers of one CA share: which CA it is (CCA, MCA or PCA), its keys,
 * the database, the forms, the enrolment policy and the published revocation state.
 */
import {
  encodeWire,
  fail,
  type MessageType,
  type RegistrationCaType,
  type Wire,
  withRevocationInfo,
} from '../protocol/index.ts';
import type { Database } from '../storage/index.ts';
import type { KeyHolder } from './deps.ts';
import type { EnrolmentPolicy } from './enrolment-policy.ts';
import type { LocalizedRegForms } from './reg-forms.ts';
import type { Revocation } from './revocation.ts';
import { type CaName, insertPending, type Pending } from './store/pending.ts';
import { recordResponse } from './store/responses.ts';

export interface CaRole {
  name: CaName;
  /** For messages: 'Cardholder CA', 'Merchant CA', 'Payment Gateway CA'. */
  title: string;
  certificateType: RegistrationCaType;
  signer: KeyHolder;
  keyExchange: KeyHolder;
}

export interface RegistrationContext {
  role: CaRole;
  db: Database;
  brandId: string;
  /** Each form in its languages: the handlers answer in the request's (regFormIn). */
  forms: {
    cardholder: LocalizedRegForms;
    cardholderRenewal: LocalizedRegForms;
    merchant: LocalizedRegForms;
    gateway: LocalizedRegForms;
  };
  enrolments: EnrolmentPolicy;
  /**
   * Cardholder registrations the issuer reviews before it certifies (SET's pending CertRes): the
   * CertReq is answered `pending`, and the next CertInqReq gets the decision. Default: none.
   */
  cardholderReview?: (pan: string) => boolean;
  /** How long a cardholder certificate is valid (default two years; the sandbox may shorten it). */
  cardholderValidityMs?: number;
  revocation: Revocation;
  /** Housekeeping the handlers trigger now and then: forgetting expired registrations. */
  tidy(at: Date): Promise<void>;
}

/**
 * The decoded request a handler answers: its bytes, envelope, hash and the time of arrival (what
 * the request is judged and recorded at), and the clock a response's `date` is read from when the
 * response is made (docs/protocol.md §1, "Dates").
 */
export interface IncomingMessage {
  bytes: Uint8Array;
  wire: Wire;
  requestHash: Uint8Array;
  at: Date;
  now: () => Date;
}

/** Answers one message type; returns the encoded response, already recorded for retries. */
export type SetHandler = (m: IncomingMessage) => Promise<string>;
export type SetHandlers = Partial<Record<MessageType, SetHandler>>;

/** A CA certifies for its own brand only (SET Book 2: one CA hierarchy per brand). */
export function checkBrand(ctx: RegistrationContext, brandId: string, what: string): void {
  if (brandId !== ctx.brandId) {
    fail('unspecifiedFailure', `this ${ctx.role.title} registers ${ctx.brandId}, not ${brandId} (${what})`);
  }
}

/** The CA's answer with the CRLs and BrandCRLIdentifier the requester lacks (protocol's withRevocationInfo). */
export async function withCaRevocationInfo<W extends Wire>(
  ctx: RegistrationContext,
  wire: W,
  thumbs: readonly string[],
): Promise<W> {
  return withRevocationInfo(wire, thumbs, await ctx.revocation.inForce());
}

/**
 * An initiation request's answer (CardCInitReq, Me-AqCInitReq), kept: the CA's revocation
 * information added, then, after the housekeeping, the registration it starts under its new
 * LID-CA and the response a retry gets, in one transaction. Returns the encoded response.
 */
export async function answerInitiation(
  ctx: RegistrationContext,
  m: IncomingMessage,
  req: { messageType: MessageType; rrpid: string; lidEE: string; thumbs: readonly string[] },
  wire: Wire,
  pending: Omit<Pending, 'ca' | 'lidEE' | 'createdAt'>,
): Promise<string> {
  const { role, db } = ctx;
  const response = encodeWire(await withCaRevocationInfo(ctx, wire, req.thumbs));
  await ctx.tidy(m.at);
  await db.transaction(async (tx) => {
    await insertPending(tx, { ...pending, ca: role.name, lidEE: req.lidEE, createdAt: m.at });
    await recordResponse(tx, {
      ca: role.name,
      rrpid: req.rrpid,
      messageType: req.messageType,
      requestHash: m.requestHash,
      response,
      at: m.at,
    });
  });
  return response;
}

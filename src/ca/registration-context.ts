/**
 * What the registration handlers of one CA share: which CA it is (CCA, MCA or PCA), its keys,
 * the database, the forms, the enrolment policy and the published revocation state.
 */
import {
  b64u,
  brandCrlIdentifierThumb,
  encodeWire,
  fail,
  type MessageType,
  type RegForm,
  type RegistrationCaType,
  WIRE_LIMITS,
  type Wire,
} from '../protocol/index.ts';
import type { Database } from '../storage/index.ts';
import type { KeyHolder } from './deps.ts';
import type { EnrolmentPolicy } from './enrolment-policy.ts';
import type { Revocation } from './revocation.ts';
import type { CaName } from './store/pending.ts';

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
  forms: { cardholder: RegForm; merchant: RegForm; gateway: RegForm };
  enrolments: EnrolmentPolicy;
  revocation: Revocation;
  /** Housekeeping the handlers trigger now and then: forgetting expired registrations. */
  tidy(at: Date): Promise<void>;
}

/** The decoded request a handler answers: its bytes, envelope, hash and the time of arrival. */
export interface IncomingMessage {
  bytes: Uint8Array;
  wire: Wire;
  requestHash: Uint8Array;
  at: Date;
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

/**
 * Adds the CRLs and the BrandCRLIdentifier to a CA's response when the requester's thumbprints
 * show it lacks them (SET-PROFILE §1 "Revocation"), unless that would push the response over its
 * size limit.
 */
export async function withRevocationInfo<W extends Wire>(
  ctx: RegistrationContext,
  wire: W,
  thumbs: readonly string[],
): Promise<W> {
  const bci = await ctx.revocation.brandCrlIdentifier();
  const held = new Set(thumbs);
  if (held.has(brandCrlIdentifierThumb(bci))) return wire;
  const crls = (await ctx.revocation.currentCrls())
    .filter((c) => !held.has(b64u(c.thumbprint)))
    .map((c) => b64u(c.der));
  const extended: W = { ...wire, bci, ...(crls.length ? { crls } : {}) };
  return encodeWire(extended).length <= WIRE_LIMITS[wire.type] ? extended : wire;
}

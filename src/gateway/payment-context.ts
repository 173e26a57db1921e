/**
 * What the SET message handlers share: the gateway's keys, the issuer, the ledger, the clock and
 * a verification context whose CRLs are refreshed before every check, so a revocation takes
 * effect at the next message.
 */
import {
  b64u,
  fail,
  jsonBytes,
  lengthPrefixed,
  type ParsedCertificate,
  type Recipient,
  type SignedSender,
  sha256,
  type VerifyContext,
} from '../protocol/index.ts';
import type { Batches } from './batches.ts';
import type { Issuer } from './issuer-simulator.ts';
import type { Ledger } from './ledger.ts';
import type { Notifications } from './notifications.ts';

export interface GatewayLogEntry {
  level: 'info' | 'warn' | 'error';
  event: string;
  [detail: string]: string | number | boolean | undefined;
}
/** Receives what the gateway has to say. Entries never hold keys or card numbers. */
export type GatewayLog = (entry: GatewayLogEntry) => void;

export const consoleLog: GatewayLog = (entry) => {
  if (entry.level !== 'info') console.error(JSON.stringify({ party: 'gateway', ...entry }));
};

export interface PaymentContext {
  /** gateway-sig: signs AuthRes, follow-up responses and Errors. */
  signature: SignedSender;
  /** gateway-kx: opens what merchants and cardholders sealed to the gateway, and CapTokens. */
  keyExchange: Recipient & { chain?: ParsedCertificate[] };
  issuer: Issuer;
  ledger: Ledger;
  /** The merchants' batches (BatchAdminReq), over the same database as the ledger. */
  batches: Batches;
  /** Registered notification URLs and the outbox. */
  notifications: Notifications;
  now(): Date;
  log: GatewayLog;
  verifyContext(): Promise<VerifyContext>;
}

/**
 * What identifies a request for idempotency: the content its sender signed, without its `date`,
 * plus SHA-256 of any baggage. Not the wire bytes: HPKE sealing is randomised, so a client that
 * re-seals a retry (same RRPID, same content) sends other bytes for the same request.
 */
export function requestDigest(content: { date: string }, baggage?: Uint8Array): string {
  const { date: _date, ...rest } = content;
  return b64u(sha256(lengthPrefixed(jsonBytes(rest), baggage ? sha256(baggage) : new Uint8Array(0))));
}

/**
 * Refuses a request for another brand than the one this gateway's signature certificate serves
 * (PCertReq, NotifyRegReq: a merchant of another brand has no business here).
 */
export async function requireOwnBrand(p: PaymentContext, ctx: VerifyContext, brandId: string): Promise<void> {
  for (const c of p.signature.chain) ctx.trust.add(c);
  const own = await ctx.trust.verify(
    p.signature.certificate.thumbprint,
    { types: ['gateway'], keyRole: 'signature' },
    ctx.clock,
  );
  if (own.brandId !== brandId) {
    fail('unspecifiedFailure', `this payment gateway serves ${own.brandId}, not ${brandId}`);
  }
}

/**
 * What the SET endpoint needs a site to remember, behind one interface the site implements over
 * its own database (the demo store's SQL one, or MemoryOrderStore for tests and examples).
 *
 * The life of one SET transaction, keyed by its XID:
 *   pending      PInitRes sent: the challenges, HOD and amount a PReq is checked against
 *   authorizing  a verified PReq has claimed the order and an AuthReq (with this RRPID) is out
 *   approved / declined   the gateway answered; the signed PRes is kept, so an identical PReq
 *                         retried gets the same PRes and never causes a second AuthReq
 * After approval, each capture, refund or reversal is first kept as a pending follow-up (its bytes),
 * then sent, then recorded with the answer: so a lost answer is settled by sending the same bytes.
 * An order (LID-M) may have several XIDs (a declined card, then another), but at most one that is
 * authorizing or approved: that rule is what stops an order being paid twice.
 */
import type {
  Amount,
  AuthResData,
  AuthResult,
  FollowUpRequest,
  FollowUpResponseData,
  InstallRecurData,
  NotificationEvent,
  PendingOrder,
  PurchaseOutcome,
  REJECT_REASONS,
} from '../protocol/index.ts';

/** The site's own description of an order, looked up by LID-M: never taken from the request. */
export interface OrderDescription {
  /** SET's OD: what the cardholder sees and signs (through HOD). At most 2000 characters. */
  od: string;
  amount: Amount;
  /**
   * A payment plan (SET-PROFILE §6): `amount` is the first payment, and the cardholder's signature
   * covers later merchant-initiated ones on these terms (chargeRecurring).
   */
  installRecurData?: InstallRecurData;
  /**
   * A split shipment: authorize only this part of `amount` at purchase (what ships now); the rest
   * later with authorizeSubsequent, never above `amount` in all.
   */
  authorizeFirst?: Amount;
}

export interface PendingPurchase {
  xid: string;
  lidM: string;
  /** What verifyPReq checks the PReq against. */
  order: PendingOrder;
  purchAmt: Amount;
  /** The plan the PInitRes declared, if any. */
  installRecurData?: InstallRecurData;
  /** What the first AuthReq asks for when less than PurchAmt (split shipment). */
  authorizeFirst?: Amount;
  /**
   * Revocation thumbprints the wallet holds after PInitRes (its `thumbs` and what PInitRes
   * attached): PRes attaches the BrandCRLIdentifier and CRLs only if they changed since.
   */
  walletHolds?: string[];
  /** ISO 8601. */
  createdAt: string;
}

/** A verified PReq's claim on its order: the RRPID every AuthReq for this XID uses. */
export interface AuthorizationClaim {
  /**
   * What a PRes for this PReq must echo (the wallet's RRPID and Chall-C), so that an authorization
   * settled later by reconciliation can still answer the wallet's retried PReq.
   */
  answers?: { rrpid: string; challC: string; cardholder?: string };
  /** Reusing it makes any resent AuthReq a retry the gateway answers once (same XID + RRPID). */
  rrpid: string;
  /** Digest of the PReq that made the claim (see preqDigest). */
  preqDigest: string;
  at: string;
  /**
   * The AuthReq's values as text (store it as text, not as a JSON column): any resend is rebuilt
   * from it, so the gateway sees the same request again.
   */
  request: string;
}

export interface PurchaseRecord {
  /** Digest of the PReq this PRes answers: an identical PReq gets `pres` again. */
  preqDigest: string;
  /** The signed PRes as sent (wire JSON). */
  pres: string;
  outcome: PurchaseOutcome;
  /** The gateway's AuthRes content; its capToken is needed to capture. */
  authRes: AuthResData;
  /** Thumbprint (base64url) of the cardholder certificate that paid; absent for unsigned purchases. */
  cardholder?: string;
  /** Sale mode (CaptureNow): the gateway captured the whole approval with the authorization. */
  capturedWithAuthorization?: boolean;
  at: string;
}

export type RejectReason = (typeof REJECT_REASONS)[number];

/**
 * A capture, capture reversal, authorization reversal, refund or refund reversal the gateway
 * answered (accepted or rejected): createMerchantActions records every one it sends.
 */
export interface FollowUpRecord {
  request: FollowUpRequest;
  status: FollowUpResponseData['status'];
  amount: Amount;
  reason?: RejectReason;
  /** The request's idempotency key: recording it settles the pending follow-up with that key. */
  idempotencyKey?: string;
  at: string;
}

/**
 * A follow-up written down before it is sent (SET-PROFILE §6): its exact bytes and its
 * idempotency key. Until the gateway's answer is recorded the order is "pending confirmation",
 * and the only way forward is to send these same bytes again: never a second request.
 */
export interface PendingFollowUp {
  request: FollowUpRequest;
  idempotencyKey: string;
  amount: Amount;
  /** The signed wire JSON, sent as is on every attempt. */
  wire: string;
  /** The signed content as JSON text: the answer is checked against it. */
  content: string;
  at: string;
}

/**
 * A further authorization of the purchase (SET-PROFILE §6: a split shipment's next part, a plan's
 * next payment), recorded once per idempotency key with the gateway's answer.
 */
export interface SubsequentAuthorization {
  idempotencyKey: string;
  result: AuthResult;
  captureNow: boolean;
  /** For capturing this part. */
  capToken?: string;
  /** The newest AuthToken, for the next part or payment; absent when nothing more may be authorized. */
  authToken?: string;
  at: string;
}

export interface SetTransaction extends PendingPurchase {
  claim?: AuthorizationClaim;
  record?: PurchaseRecord;
  followUps: FollowUpRecord[];
  /** Later authorizations of the purchase, oldest first (absent: none). */
  subsequent?: SubsequentAuthorization[];
  /** A follow-up sent (or about to be) whose answer is not recorded yet. */
  pendingFollowUp?: PendingFollowUp;
  /**
   * The newest event the gateway notified for this XID (highest seq applied): the transaction as
   * the gateway's ledger has it, including what its operator did (SET-PROFILE §6 Notifications).
   */
  gateway?: GatewayNotification;
  /**
   * The changes the gateway's operator made to this XID (notified with source "operator"), each
   * once, in seq order. The balance is the merchant's own recorded follow-ups plus these: exact,
   * whatever order the notifications and the merchant's own answers arrive in.
   */
  operatorEvents?: GatewayNotification[];
}

/** A verified Notification's event, as an OrderStore keeps it. */
export interface GatewayNotification extends NotificationEvent {
  /** ISO 8601: when this site received and applied it. */
  receivedAt: string;
}

/**
 * What applying a Notification did: `applied` (its state is now the transaction's gateway
 * state), `duplicate` (this event id was seen before: nothing changed), `stale` (a newer seq of the
 * XID was applied already: nothing changed), `unknownTransaction` (no such XID here: the event id
 * is remembered, nothing else).
 */
export type NotificationApplied = 'applied' | 'duplicate' | 'stale' | 'unknownTransaction';

export type ClaimResult =
  | { ok: true; claim: AuthorizationClaim }
  | { ok: false; reason: 'unknownXID' | 'orderTaken' };

export interface OrderStore {
  /**
   * The order a PInitReq names by LID-M, or undefined when there is no such order or it is not
   * open for payment (already paid, or being paid under another XID).
   */
  describe(lidM: string): Promise<OrderDescription | undefined>;
  savePending(p: PendingPurchase): Promise<void>;
  find(xid: string): Promise<SetTransaction | undefined>;
  /**
   * Every SET transaction of one order (its LID-M, the order id the payment initiation named),
   * oldest first: declined attempts, the one paid, each with its follow-ups.
   */
  transactionsFor(lidM: string): Promise<SetTransaction[]>;
  /**
   * Atomically: if `xid` already has a claim, returns it; if another XID of the same order is
   * authorizing or approved, refuses (orderTaken); otherwise stores `claim` and returns it.
   */
  claimAuthorization(xid: string, claim: AuthorizationClaim): Promise<ClaimResult>;
  /** Drops the claim with this RRPID: the AuthReq provably never reached the gateway. */
  releaseAuthorization(xid: string, rrpid: string): Promise<void>;
  /** Stores the outcome unless one is stored already (first writer wins); returns the stored one. */
  recordOutcome(xid: string, record: PurchaseRecord): Promise<PurchaseRecord>;
  /**
   * Atomically: if the XID has no pending follow-up, stores `pending`; returns the pending one
   * (`pending`, or the one already there, which the caller must settle first).
   */
  beginFollowUp(xid: string, pending: PendingFollowUp): Promise<PendingFollowUp>;
  /**
   * Records the gateway's answer. If it carries the pending follow-up's idempotency key, that
   * one is settled in the same write; an answer whose key is already recorded is not added again.
   */
  recordFollowUp(xid: string, followUp: FollowUpRecord): Promise<void>;
  /** Drops the pending follow-up with this key: the gateway refused it, or it never reached it. */
  abandonFollowUp(xid: string, idempotencyKey: string): Promise<void>;
  /**
   * Atomically: remembers the event id (a second delivery of it is a `duplicate`), keeps an
   * operator's event in the XID's `operatorEvents`, and stores it as the XID's gateway state
   * unless a higher seq is stored already (`stale`).
   */
  applyNotification(n: GatewayNotification): Promise<NotificationApplied>;
  /**
   * Records a subsequent authorization's answer unless one with its idempotency key is recorded
   * already (first writer wins); returns the stored one.
   */
  recordSubsequent(xid: string, rec: SubsequentAuthorization): Promise<SubsequentAuthorization>;
}

/**
 * Receipts: each verified PRes (or InqRes) with what was verified about it: the merchant from its
 * certificate, the signed amount and order, the outcome. A receipt exports as a JSON document that
 * carries the signed message, so anyone can verify it again (`setwallet inspect` reads `message`).
 */
import {
  type Amount,
  type InqResContent,
  type InstallRecurData,
  type PaymentState,
  type PResContent,
  paymentStateOf,
} from '../protocol/core.ts';
import { walletError } from './errors.ts';
import type { KeptInquiry, ReceiptMerchant, ReceiptRecord, WalletDb } from './vault/db.ts';

/** Signed answers kept per receipt; the oldest go first. */
export const MAX_KEPT_INQUIRIES = 50;

/** A receipt's state: as kept, or for one kept before states were, what its outcome implies. */
export function stateOfReceipt(r: ReceiptRecord): PaymentState {
  return (
    r.state ??
    paymentStateOf({ completionCode: r.completionCode, result: { status: r.status, amount: r.resultAmount } })
  );
}

export type { ReceiptMerchant, ReceiptRecord } from './vault/db.ts';

export interface ReceiptSummary {
  id: string;
  /** The XID, base64url. */
  xid: string;
  merchant: ReceiptMerchant;
  od: string;
  amount: Amount;
  status: ReceiptRecord['status'];
  /** Where the payment stands now, as the newest verified answer says. */
  state: PaymentState;
  /** The card that paid (filter the activity list by it). */
  cardId: string;
  /** The payment plan signed with this purchase, and its payments so far (the wallet's plans list). */
  plan?: PlanSummary;
  /** Paid without a cardholder certificate. */
  unsigned?: boolean;
  authCode?: string;
  reason?: string;
  date: string;
  brand: string;
  cardMasked: string;
  sandbox: boolean;
}

/**
 * A signed payment plan as the wallet lists it (SET-PROFILE §6): the terms the cardholder signed,
 * the first payment (the purchase), and the payments so far as the merchant last reported them in
 * a verified InqRes (before any: the first payment alone, when it was approved).
 */
export interface PlanSummary {
  terms: InstallRecurData;
  first: Amount;
  /** Approved payments so far, the first included. */
  count: number;
  /** Their sum, in the purchase's currency. */
  total: Amount;
  /** The newest payment's date (ISO 8601), when there is one. */
  lastPaidAt?: string;
  /** When the merchant last said so (the date it signed), or the PRes's date before any InqRes. */
  asOf: string;
}

export const RECEIPT_EXPORT_FORMAT = 'set-wallet-receipt';

/** The exported document: `message` is the signed PRes or InqRes exactly as received. */
export interface ReceiptExport {
  format: typeof RECEIPT_EXPORT_FORMAT;
  version: 1;
  receipt: Omit<ReceiptRecord, 'wire' | 'answers' | 'cardId'>;
  /** What `message` must answer, for verifyPRes / verifyInqRes. */
  verify: { answers: ReceiptRecord['answers']; merchantThumbprint: string };
  message: unknown;
}

export class Receipts {
  constructor(private readonly db: WalletDb) {}

  /** Keeps a receipt; one per XID, so storing the same outcome twice keeps one. */
  async add(record: ReceiptRecord): Promise<ReceiptSummary> {
    // receivedAt strictly increases, so "newest first" holds even within one clock tick.
    const latest = await this.db.transaction('receipts').store.index('byReceivedAt').openCursor(null, 'prev');
    const kept =
      latest && latest.value.id !== record.id && latest.value.receivedAt >= record.receivedAt
        ? { ...record, receivedAt: new Date(Date.parse(latest.value.receivedAt) + 1).toISOString() }
        : record;
    await this.db.put('receipts', kept);
    return summarise(kept);
  }

  /** Newest first; only `cardId`'s when given. */
  async list(cardId?: string): Promise<ReceiptSummary[]> {
    const all = await this.db.getAllFromIndex('receipts', 'byReceivedAt');
    return all
      .reverse()
      .filter((r) => cardId === undefined || r.cardId === cardId)
      .map(summarise);
  }

  /**
   * Keeps a verified InqRes about receipt `id` (the caller verified it: signature, chain,
   * revocation, and that it answers an InqReq about this very XID). The receipt's state follows
   * it unless an answer the merchant signed later is already kept (answers may arrive out of order).
   */
  async recordInquiry(
    id: string,
    inquiry: { content: InqResContent | PResContent; wire: string; answers: KeptInquiry['answers'] },
    receivedAt: string,
  ): Promise<ReceiptRecord> {
    const tx = this.db.transaction('receipts', 'readwrite');
    const r = await tx.store.get(id);
    if (!r) return walletError('unknownReceipt', 'there is no such receipt');
    if (inquiry.content.transIds.xid !== r.id)
      walletError('protocol', 'the answer is about another transaction');
    const c = inquiry.content;
    const state = paymentStateOf(c);
    const kept: KeptInquiry = {
      wire: inquiry.wire,
      answers: inquiry.answers,
      date: c.date,
      receivedAt,
      state,
    };
    const inquiries = [...(r.inquiries ?? []), kept].slice(-MAX_KEPT_INQUIRIES);
    const newer = Date.parse(c.date) >= Date.parse(r.date);
    const next: ReceiptRecord = newer
      ? {
          ...r,
          inquiries,
          state,
          status: c.result.status,
          completionCode: c.completionCode,
          resultAmount: c.result.amount,
          date: c.date,
          ...(c.results ? { results: c.results } : {}),
          ...paymentsReported(c, r.amount),
        }
      : { ...r, inquiries };
    await tx.store.put(next);
    await tx.done;
    return next;
  }

  async get(id: string): Promise<ReceiptRecord> {
    const record = typeof id === 'string' ? await this.db.get('receipts', id) : undefined;
    if (!record) return walletError('unknownReceipt', 'there is no such receipt');
    return record;
  }

  async summary(id: string): Promise<ReceiptSummary> {
    return summarise(await this.get(id));
  }

  async exportJson(id: string): Promise<string> {
    const { wire, answers, cardId: _cardId, ...receipt } = await this.get(id);
    const doc: ReceiptExport = {
      format: RECEIPT_EXPORT_FORMAT,
      version: 1,
      receipt,
      verify: { answers, merchantThumbprint: receipt.merchant.thumbprint },
      message: JSON.parse(wire) as unknown,
    };
    return JSON.stringify(doc, null, 2);
  }
}

/**
 * The payments a verified answer lists, kept when they are in the purchase's currency (any other
 * would be a merchant's error: ignored rather than summed into another currency's total).
 */
function paymentsReported(
  c: InqResContent | PResContent,
  purchAmt: Amount,
): Pick<ReceiptRecord, 'payments' | 'paymentCount'> {
  if (!c.payments) return {};
  const same = c.payments.every(
    (p) => p.amount.currency === purchAmt.currency && p.amount.exponent === purchAmt.exponent,
  );
  if (!same) return {};
  return { payments: c.payments, paymentCount: Math.max(c.paymentCount ?? 0, c.payments.length) };
}

/** A receipt's plan as the plans list shows it; undefined for a purchase without one. */
export function planOf(r: ReceiptRecord): PlanSummary | undefined {
  if (!r.installRecurData) return undefined;
  const approved = r.status === 'approved';
  const payments = r.payments ?? (approved ? [{ date: r.date, amount: r.resultAmount }] : []);
  const listed = payments.reduce((sum, p) => sum + p.amount.value, 0);
  const last = payments.at(-1);
  return {
    terms: r.installRecurData,
    first: r.amount,
    count: Math.max(r.paymentCount ?? 0, payments.length),
    total: { ...r.amount, value: listed },
    ...(last ? { lastPaidAt: last.date } : {}),
    asOf: r.date,
  };
}

function summarise(r: ReceiptRecord): ReceiptSummary {
  const plan = planOf(r);
  return {
    id: r.id,
    xid: r.id,
    merchant: r.merchant,
    od: r.od,
    amount: r.amount,
    status: r.status,
    state: stateOfReceipt(r),
    cardId: r.cardId,
    ...(plan ? { plan } : {}),
    ...(r.unsigned ? { unsigned: true } : {}),
    ...(r.authCode ? { authCode: r.authCode } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    date: r.date,
    brand: r.brand,
    cardMasked: `•••• ${r.cardLast4}`,
    sandbox: r.merchant.sandbox,
  };
}

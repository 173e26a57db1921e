/**
 * Receipts: each verified PRes (or InqRes) with what was verified about it: the merchant from its
 * certificate, the signed amount and order, the outcome. A receipt exports as a JSON document that
 * carries the signed message, so anyone can verify it again (`setwallet inspect` reads `message`).
 */
import type { Amount } from '../protocol/index.ts';
import { walletError } from './errors.ts';
import type { ReceiptMerchant, ReceiptRecord, WalletDb } from './vault/db.ts';

export type { ReceiptMerchant, ReceiptRecord } from './vault/db.ts';

export interface ReceiptSummary {
  id: string;
  /** The XID, base64url. */
  xid: string;
  merchant: ReceiptMerchant;
  od: string;
  amount: Amount;
  status: ReceiptRecord['status'];
  authCode?: string;
  reason?: string;
  date: string;
  brand: string;
  cardMasked: string;
  sandbox: boolean;
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

  /** Newest first. */
  async list(): Promise<ReceiptSummary[]> {
    const all = await this.db.getAllFromIndex('receipts', 'byReceivedAt');
    return all.reverse().map(summarise);
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

function summarise(r: ReceiptRecord): ReceiptSummary {
  return {
    id: r.id,
    xid: r.id,
    merchant: r.merchant,
    od: r.od,
    amount: r.amount,
    status: r.status,
    ...(r.authCode ? { authCode: r.authCode } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    date: r.date,
    brand: r.brand,
    cardMasked: `•••• ${r.cardLast4}`,
    sandbox: r.merchant.sandbox,
  };
}

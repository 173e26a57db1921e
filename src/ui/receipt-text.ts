/** A receipt's status and state for people: the popup's list and the receipt's detail view. */
import type { PaymentState } from '../protocol/messages/purchase/p-res.ts';
import type { ReceiptRecord } from '../wallet/vault/db.ts';
import { t } from './i18n.ts';

export function receiptStatusText(status: ReceiptRecord['status']): string {
  return t(`receiptStatus_${status}`);
}

/** Where a payment stands (authorized, captured, partly refunded, …), for people. */
export function receiptStateText(state: PaymentState): string {
  return t(`receiptState_${state}`);
}

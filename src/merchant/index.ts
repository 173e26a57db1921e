/**
 * src/merchant — the merchant SDK, published as `@setwallet/merchant` (packages/merchant): what a
 * participating site mounts on its server to take SET/2 payments.
 *
 *   createSetEndpoint     the SET endpoint, (Request) => Promise<Response>: PInitReq, PReq, InqReq
 *   createGatewayClient   AuthReq, CapReq, CredReq, AuthRevReq… to the payment gateway over HTTP;
 *                         listTransactions / getTransaction / allTransactions ask its ledger (TransListReq)
 *                         registerNotifications(url) (NotifyRegReq)
 *   createNotificationHandler  receives the gateway's signed Notifications into the OrderStore
 *   createMerchantActions capture / refund / reverse an order exactly once, recorded with the order;
 *                         reconcile settles what a lost answer left open
 *   OrderStore            what the site implements over its database; MemoryOrderStore for tests
 *   paymentInitiationHtml the element a checkout page declares so the wallet offers to pay
 *   toNodeListener        Node's http server as a thin adapter
 *   revocationFromIssuer  the BrandCRLIdentifier and CRLs in force, fetched from the CA's site
 *   <pay-with-set>        the checkout button (browser/pay-with-set.ts, one ES module, no imports)
 *   enrolMerchant         enrol (or renew) with the Merchant CA over SET; the MCA assigns the MerchantID
 *   write/readMerchantBundle   the keys, chains and merchant.json that `setwallet merchant enrol` writes
 *
 * May import src/protocol (and npm packages) only: never src/gateway, src/ca, src/wallet or the
 * sandbox, which wires the parties together. docs/merchant-guide.md walks through an integration.
 */

export { amountDecimal, formatAmount, parseAmount } from '../protocol/amount.ts';
export {
  type Amount,
  type AuthResData,
  type DeclineReason,
  type ErrorCode,
  type FollowUpRequest,
  type FollowUpResponseData,
  type InstallRecurData,
  type ParsedCertificate,
  type ParsedCrl,
  type PaymentInitiation,
  type PurchaseOutcome,
  paymentInitiationHtml,
  REJECT_REASONS,
  SetError,
  type TransactionState,
  type TransEvent,
  type TransIds,
} from '../protocol/index.ts';
export type {
  BatchChange,
  BatchClient,
  BatchDetailPage,
  BatchPage,
  GatewayBatch,
  GatewayBatchItem,
  GatewayBatchTotal,
} from './batches.ts';
export {
  MERCHANT_CONFIG_FILE,
  type MerchantBundle,
  MerchantConfig,
  readMerchantBundle,
  writeMerchantBundle,
} from './bundle.ts';
export { createSetEndpoint, type SetEndpointOptions, type SetHandler } from './endpoint.ts';
export type { OutcomeEvent } from './endpoint-context.ts';
export {
  type Enrolled,
  type EnrolMerchantOptions,
  EnrolmentRefused,
  type EnrolRequest,
  enrolAtCa,
  enrolMerchant,
  type MerchantEnrolled,
} from './enrol.ts';
export {
  type AuthorizationRequest,
  createGatewayClient,
  type FollowUpParams,
  type GatewayClient,
  type GatewayClientOptions,
  type GatewayTransaction,
  type ListTransactionsParams,
  type PreparedFollowUp,
  type SubsequentAuthorizationRequest,
  type TransactionPage,
} from './gateway-client.ts';
export { GatewayUnavailableError } from './gateway-unavailable.ts';
export { type CertifiedKey, certificatesFromPem, certifiedKeyFromPem, type MerchantKeys } from './keys.ts';
export { MemoryOrderStore } from './memory-order-store.ts';
export {
  type ActionProblem,
  createMerchantActions,
  MerchantActionError,
  type MerchantActions,
} from './merchant-actions.ts';
export { toNodeListener } from './node-listener.ts';
export {
  createNotificationHandler,
  type NotificationHandlerOptions,
  type ReceivedNotification,
} from './notification-handler.ts';
export type * from './order-store.ts';
export { preqDigest } from './purchase-request.ts';
export {
  type Balance,
  balanceOf,
  currentOutcome,
  type PurchaseState,
  purchaseStateOf,
} from './purchase-state.ts';
export { type RevocationFromIssuerOptions, revocationFromIssuer } from './revocation-source.ts';
export { SET_CONTENT_TYPE, setErrorResponse } from './set-response.ts';
export { SET_ERROR_SENTENCES, SetWalletError, setWalletError } from './set-wallet-error.ts';
export { describeDecline, describeRejection, describeSetError } from './wording.ts';

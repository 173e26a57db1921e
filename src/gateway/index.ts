/**
 * src/gateway: the SET/2 payment gateway the sandbox runs for its acquirer (SET-PROFILE §4
 * Payment). It takes AuthReq, CapReq, CapRevReq, AuthRevReq, CredReq, CredRevReq and Error on
 * POST /set, makes every check of the profile, asks an issuer (the test-card simulator here) for
 * the business decision, and records each answer in a ledger (PGlite or PostgreSQL, via
 * src/storage) before sending it. A merchant asks for the gateway's certificates (PCertReq) and
 * for its own transactions (TransListReq) and administers its batches (BatchAdminReq); an operator dashboard lists and acts on the ledger.
 *
 * Imports src/protocol and src/storage only (plus hono, valibot and @hono/node-server); never
 * another party's folder. The sandbox wires it to the CA and the demo store.
 */
export { Batches, type BatchRecord, type MerchantIdentity, settlementOf } from './batches.ts';
export { type DashboardAccess, OPERATOR_COOKIE } from './dashboard.ts';
export {
  AUTHORIZATION_STATES,
  type AuthorizationState,
  type Balances,
  DEFAULT_AUTHORIZATION_VALIDITY_MS,
  type Decision,
  decideFollowUp,
  FOLLOW_UP_KINDS,
  type FollowUpKind,
  KIND_OF_REQUEST,
  type RejectReason,
  stateOf,
} from './follow-up-rules.ts';
export { createGateway, type Gateway, type GatewayDeps } from './gateway.ts';
export {
  cardExpired,
  createIssuerSimulator,
  DEFAULT_TEST_CARDS,
  type Issuer,
  type IssuerDecision,
  type IssuerRequest,
  type IssuerSimulator,
  TEST_CARD_BEHAVIOURS,
  type TestCard,
  type TestCardBehaviour,
} from './issuer-simulator.ts';
export {
  type AuthorizationRecord,
  Ledger,
  type ListFilter,
  type PaymentEventRecord,
} from './ledger.ts';
export { GATEWAY_MIGRATIONS } from './migrations.ts';
export type { GatewayLog, GatewayLogEntry } from './payment-context.ts';
export { type Listening, listen } from './serve.ts';
export type { SetReply } from './set-endpoint.ts';

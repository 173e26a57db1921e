/**
 * What the three request handlers of the SET endpoint share: the options, the trust store with the
 * CRLs in force, and the clock of the request being handled.
 */
import type {
  Clock,
  ParsedCertificate,
  PurchaseOutcome,
  RevocationInForce,
  TrustStore,
} from '../protocol/index.ts';
import type { GatewayClient } from './gateway-client.ts';
import type { MerchantKeys } from './keys.ts';
import type { OrderStore } from './order-store.ts';

export interface OutcomeEvent {
  xid: string;
  lidM: string;
  outcome: PurchaseOutcome;
}

export interface EndpointContext {
  merchant: MerchantKeys;
  gateway: GatewayClient;
  gatewayKeyExchange: ParsedCertificate[];
  orders: OrderStore;
  /** The brand of the merchant's certificate: the only BrandID a PInitReq may name. */
  brandId: string;
  acceptUnsigned: boolean;
  captureNow: boolean;
  onOutcome: (event: OutcomeEvent) => void;
  log: (message: string, cause?: unknown) => void;
  /** The BrandCRLIdentifier and CRLs in force, to attach for a wallet that lacks them. */
  revocation(): Promise<RevocationInForce | undefined>;
  /** A trust store for this request, over the long-lived cache with the CRLs in force refreshed. */
  verifyContext(): Promise<{ trust: TrustStore; clock: Clock }>;
  /** The request's time of arrival: what it is judged and recorded at. */
  clock: Clock;
  /** The clock a response's `date` is read from when the response is made (docs/protocol.md §1). */
  now: () => Date;
}

/**
 * The merchant's SET endpoint: one web-standard handler, `(Request) => Promise<Response>`, that a
 * site mounts at the path its payment initiation names (e.g. POST /set). It answers PInitReq,
 * PReq and InqReq (an inquiry also from a wallet's background: wallet-cors.ts); any other message type with a SET Error messageNotSupported; any bad input with
 * a signed SET Error and a 4xx (docs/protocol.md §7); never a 5xx.
 */

import { readBody } from '../protocol/body.ts';
import {
  type Clock,
  decodeWire,
  fail,
  type ParsedCertificate,
  type RevocationInForce,
  TrustCache,
  WIRE_LIMITS,
} from '../protocol/index.ts';
import { readableByWallet, walletPreflight } from '../protocol/wallet-cors.ts';
import type { EndpointContext, OutcomeEvent } from './endpoint-context.ts';
import type { GatewayClient } from './gateway-client.ts';
import type { MerchantKeys } from './keys.ts';
import { handleInqReq } from './order-inquiry.ts';
import type { OrderStore } from './order-store.ts';
import { handlePInitReq } from './purchase-init.ts';
import { handlePReq } from './purchase-request.ts';
import { setErrorResponse, setMessageResponse } from './set-response.ts';
import { importMerchantKeys, installNativePlatform } from './start-up.ts';

export interface SetEndpointOptions {
  merchant: MerchantKeys;
  gateway: GatewayClient;
  /** The gateway key-exchange chain PInitRes names (default: the gateway client's). */
  gatewayKeyExchange?: ParsedCertificate[];
  orders: OrderStore;
  /** Roots the cardholder chains must lead to. */
  trustedRoots: ParsedCertificate[];
  /**
   * The brand's BrandCRLIdentifier and the CRLs in force (e.g. the issuer site's `revocationInForce`,
   * or its GET /bci and /crl/*.crl), asked for on each request: the endpoint checks cardholder
   * certificates against the CRLs and attaches both to PInitRes and PRes for a wallet whose
   * `thumbs` show it lacks them (SET-PROFILE §6). Without it, wallets refuse to pay.
   */
  revocation?: () => Promise<RevocationInForce>;
  /** Validated certificate chains remembered (LRU; default 1,000). Carried certificates are never kept unvalidated. */
  trustCacheSize?: number;
  /**
   * Accept purchases without a cardholder certificate (SET-PROFILE §4 Purchase 11), where the
   * gateway allows them: its key-exchange certificate says cardCertRequired false. Where it does
   * not, an unsigned PReq is refused (signatureRequired) whatever this says. Default false.
   */
  acceptUnsigned?: boolean;
  /** Ask the gateway to capture with the authorization. Default false. */
  captureNow?: boolean;
  now?: () => Date;
  /** Called once per transaction when the gateway's answer is recorded. */
  onOutcome?: (event: OutcomeEvent) => void;
  /** Where unexpected failures and gateway outages are reported (default console.error). */
  log?: (message: string, cause?: unknown) => void;
}

export type SetHandler = (request: Request) => Promise<Response>;

/** The largest message the endpoint takes: a PReq (docs/protocol.md §1, size limits). */
const MAX_REQUEST_BYTES = Math.max(WIRE_LIMITS.PInitReq, WIRE_LIMITS.PReq, WIRE_LIMITS.InqReq);

export async function createSetEndpoint(opts: SetEndpointOptions): Promise<SetHandler> {
  installNativePlatform();
  await importMerchantKeys(opts.merchant);
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? ((message, cause) => console.error(message, cause ?? ''));
  // Long-lived: validated chains only, bounded. What a request carries lives in its own TrustStore.
  const trustCache = new TrustCache(
    opts.trustedRoots,
    opts.trustCacheSize === undefined ? {} : { maxValidated: opts.trustCacheSize },
  );
  // Our own certificate must be a merchant signature certificate under the roots; its brand is
  // the one brand a PInitReq may ask for. Checked now so a misconfiguration fails at start-up.
  const own = trustCache.forRequest();
  for (const c of opts.merchant.signature.chain) own.add(c);
  const brandId = await (
    await own.verify(
      opts.merchant.signature.certificate.thumbprint,
      { types: ['merchant'], keyRole: 'signature' },
      { now: now() },
    )
  ).brandId;

  return async (request) => {
    const clock: Clock = { now: now() };
    // Asked for once per request; the CRLs in force are the provider's as a whole.
    let inForce: Promise<RevocationInForce | undefined> | undefined;
    const revocation = () =>
      (inForce ??= (async () => {
        if (!opts.revocation) return undefined;
        const got = await opts.revocation();
        trustCache.setCrls(got.crls);
        return got;
      })());
    const ctx: EndpointContext = {
      merchant: opts.merchant,
      gateway: opts.gateway,
      // Read per request: a client that fetches the gateway's certificates follows its rollovers.
      gatewayKeyExchange: opts.gatewayKeyExchange ?? opts.gateway.gatewayKeyExchange,
      orders: opts.orders,
      brandId,
      acceptUnsigned: opts.acceptUnsigned ?? false,
      captureNow: opts.captureNow ?? false,
      onOutcome: opts.onOutcome ?? (() => {}),
      log,
      clock,
      now,
      revocation,
      verifyContext: async () => {
        await revocation();
        return { trust: trustCache.forRequest(), clock };
      },
    };
    const preflight = walletPreflight(request);
    if (preflight) return preflight;
    if (request.method !== 'POST') {
      return new Response('POST SET/2 messages here.\n', {
        status: 405,
        headers: { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' },
      });
    }
    let bytes: Uint8Array = new Uint8Array(0);
    let type: string | undefined;
    try {
      bytes = await readBody(request, MAX_REQUEST_BYTES);
      type = decodeWire(bytes).type;
      switch (type) {
        case 'PInitReq':
          if (!opts.gatewayKeyExchange) {
            ctx.gatewayKeyExchange = await opts.gateway.currentGatewayKeyExchange();
          }
          return setMessageResponse(await handlePInitReq(bytes, ctx));
        case 'PReq':
          return setMessageResponse(await handlePReq(bytes, ctx));
        case 'InqReq':
          return readableByWallet(setMessageResponse(await handleInqReq(bytes, ctx)), request);
        case 'Error':
          // A wallet reporting a failure: noted, never answered with an Error (SET Book 2).
          return new Response(null, { status: 204 });
        default:
          return fail('messageNotSupported', `a merchant's SET endpoint does not take ${type}`);
      }
    } catch (e) {
      const error = await setErrorResponse(bytes, e, opts.merchant.signature, now(), log);
      return type === 'InqReq' ? readableByWallet(error, request) : error;
    }
  };
}

/**
 * Receiving the gateway's Notifications (SET-PROFILE §6): a web-standard handler the site mounts
 * at the URL it registered with `gateway.registerNotifications(url)`.
 *
 * In order: the body is read within the Notification's size limit and parsed; the signature
 * chain must lead to our roots (CRLs applied), the signer must be a gateway signature certificate
 * of our brand, and the MerchantID must be ours; only then is the OrderStore touched. It remembers
 * each event id (a repeated delivery is answered 200 and changes nothing) and keeps the highest
 * seq per XID (an older event arriving late changes nothing). `onNotification` is called once per
 * event the store applied. Anything refused is answered with a signed SET Error and a 4xx, and
 * nothing is stored; a store that cannot be reached answers 503, so the gateway retries.
 */

import { readBody } from '../protocol/body.ts';
import {
  type Clock,
  merchantIdOf,
  type NotificationContent,
  type ParsedCertificate,
  type ParsedCrl,
  TrustCache,
  verifyNotification,
  WIRE_LIMITS,
} from '../protocol/index.ts';
import type { SetHandler } from './endpoint.ts';
import type { MerchantKeys } from './keys.ts';
import type { GatewayNotification, NotificationApplied, OrderStore } from './order-store.ts';
import { setErrorResponse } from './set-response.ts';

export interface ReceivedNotification {
  /** The event as applied (its state is now the XID's gateway state in the OrderStore). */
  notification: GatewayNotification;
  /** `applied`, or `unknownTransaction` for an XID this OrderStore does not hold. */
  outcome: Extract<NotificationApplied, 'applied' | 'unknownTransaction'>;
  /** The verified message, for logging. */
  message: NotificationContent;
}

export interface NotificationHandlerOptions {
  merchant: MerchantKeys;
  orders: OrderStore;
  /** Roots the gateway's chain must lead to. */
  trustedRoots: ParsedCertificate[];
  /** The CRLs in force, asked for on each delivery. */
  crls?: () => Promise<readonly ParsedCrl[]>;
  /**
   * Called once per new event, after the OrderStore recorded it. A throw is logged, and the
   * delivery still acknowledged: do durable work through the OrderStore.
   */
  onNotification?: (event: ReceivedNotification) => void | Promise<void>;
  now?: () => Date;
  log?: (message: string, cause?: unknown) => void;
}

export function createNotificationHandler(opts: NotificationHandlerOptions): SetHandler {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? ((message, cause) => console.error(message, cause ?? ''));
  const cache = new TrustCache(opts.trustedRoots);
  const own = cache.forRequest();
  for (const c of opts.merchant.signature.chain) own.add(c);
  const leaf = opts.merchant.signature.certificate;
  // Our identity, checked once, on the first notification: a merchant signature certificate
  // under our roots (a failure is not kept, so a fixed clock or CRL lets the next one pass).
  let ownBrand: Promise<string> | undefined;
  const brandOf = (): Promise<string> => {
    ownBrand ??= own
      .verify(leaf.thumbprint, { types: ['merchant'], keyRole: 'signature' }, { now: now() })
      .then((path) => path.brandId);
    ownBrand.catch(() => {
      ownBrand = undefined;
    });
    return ownBrand;
  };
  const merchantId = merchantIdOf(leaf);

  return async (request) => {
    const clock: Clock = { now: now() };
    if (request.method !== 'POST') {
      return new Response('POST SET/2 Notifications here.\n', {
        status: 405,
        headers: { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' },
      });
    }
    let bytes: Uint8Array = new Uint8Array(0);
    try {
      bytes = await readBody(request, WIRE_LIMITS.Notification);
      if (opts.crls) cache.setCrls(await opts.crls());
      const { content } = await verifyNotification(
        bytes,
        { merchantId, brandId: await brandOf() },
        { trust: cache.forRequest(), clock },
      );
      const notification: GatewayNotification = { ...content.event, receivedAt: clock.now.toISOString() };
      const outcome = await opts.orders.applyNotification(notification);
      if ((outcome === 'applied' || outcome === 'unknownTransaction') && opts.onNotification) {
        try {
          await opts.onNotification({ notification, outcome, message: content });
        } catch (e) {
          log('onNotification failed (the event is recorded and acknowledged)', e);
        }
      }
      return new Response(JSON.stringify({ received: content.event.eventId, outcome }), {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      });
    } catch (e) {
      return setErrorResponse(bytes, e, opts.merchant.signature, now(), log);
    }
  };
}

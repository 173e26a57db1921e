/**
 * SET/2 initiations (SET-PROFILE §5), replacing SET 1.0's application/set-payment-initiation and
 * application/set-registration-initiation MIME types. A page declares one in a non-executable
 * element the wallet's content script can read without running page code:
 *
 *   <script type="application/set-payment-initiation+json">{…}</script>
 *   <script type="application/set-registration-initiation+json">{…}</script>
 *
 * Everything in an initiation is untrusted. The amount is for display before the signed PInitRes
 * arrives; the endpoint must be on the page's own origin (the wallet never talks cross-origin).
 */
import * as v from 'valibot';
import { parseJsonBytes, utf8 } from './encoding.ts';
import { fail } from './errors.ts';
import {
  MAX_INITIATION_BYTES,
  PAYMENT_INITIATION_TYPE,
  REGISTRATION_INITIATION_TYPE,
} from './initiation-check.ts';
import { Amount, BrandId, Label, parseWith, Text } from './messages/fields.ts';
import { checkVersion } from './messages/wire.ts';

export { MAX_INITIATION_BYTES, PAYMENT_INITIATION_TYPE, REGISTRATION_INITIATION_TYPE };

const Endpoint = v.pipe(v.string(), v.minLength(1), v.maxLength(512));

export const PaymentInitiation = v.strictObject({
  set: v.string(),
  kind: v.literal('payment'),
  brands: v.pipe(v.array(BrandId), v.minLength(1), v.maxLength(8)),
  /** For display only; the amount the cardholder signs comes from the merchant-signed PInitRes. */
  amount: Amount,
  lidM: Label,
  /** The merchant's SET endpoint: a path, or an absolute URL on the page's origin. */
  endpoint: Endpoint,
  /** Display hint only; the wallet shows the name from the verified certificate. */
  description: v.optional(Text(200)),
});
export type PaymentInitiation = v.InferOutput<typeof PaymentInitiation> & { endpointUrl: string };

export const RegistrationInitiation = v.strictObject({
  set: v.string(),
  kind: v.literal('registration'),
  brand: BrandId,
  /** The cardholder CA's SET endpoint on the issuer page's origin. */
  endpoint: Endpoint,
  issuerName: v.optional(Text(100)),
});
export type RegistrationInitiation = v.InferOutput<typeof RegistrationInitiation> & { endpointUrl: string };

function resolveEndpoint(endpoint: string, pageOrigin: string): string {
  let url: URL;
  try {
    url = new URL(endpoint, pageOrigin);
  } catch {
    return fail('decodingFailure', 'the initiation endpoint is not a URL');
  }
  if (url.origin !== pageOrigin) {
    fail(
      'decodingFailure',
      `the initiation endpoint ${url.origin} is not on the page's origin ${pageOrigin}`,
    );
  }
  return url.href;
}

function parseInitiation(text: string, what: string): unknown {
  const json = parseJsonBytes(utf8(text), MAX_INITIATION_BYTES, what);
  checkVersion((json as { set?: unknown } | null)?.set);
  return json;
}

/** Parses a payment initiation's JSON text; `pageOrigin` is the origin the browser reports. */
export function parsePaymentInitiation(text: string, pageOrigin: string): PaymentInitiation {
  const init = parseWith(
    PaymentInitiation,
    parseInitiation(text, 'payment initiation'),
    'payment initiation',
  );
  return { ...init, endpointUrl: resolveEndpoint(init.endpoint, pageOrigin) };
}

export function parseRegistrationInitiation(text: string, pageOrigin: string): RegistrationInitiation {
  const init = parseWith(
    RegistrationInitiation,
    parseInitiation(text, 'registration initiation'),
    'registration initiation',
  );
  return { ...init, endpointUrl: resolveEndpoint(init.endpoint, pageOrigin) };
}

/** The element a page (or the merchant SDK) writes for a payment initiation. JSON is escaped so it cannot close the script. */
export function paymentInitiationHtml(
  init: Omit<v.InferOutput<typeof PaymentInitiation>, 'set' | 'kind'>,
): string {
  return initiationHtml(PAYMENT_INITIATION_TYPE, { set: 'SET/2', kind: 'payment', ...init });
}

export function registrationInitiationHtml(
  init: Omit<v.InferOutput<typeof RegistrationInitiation>, 'set' | 'kind'>,
): string {
  return initiationHtml(REGISTRATION_INITIATION_TYPE, { set: 'SET/2', kind: 'registration', ...init });
}

function initiationHtml(type: string, value: object): string {
  const json = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
  return `<script type="${type}">${json}</script>`;
}

/**
 * The registration forms the sandbox CAs send (SET Book 2 "Registration form": the issuer decides
 * what it asks). The wallet renders them from SET/2's small typed vocabulary (reg-form-schema.ts).
 */
import type { RegForm } from '../protocol/index.ts';

/** The cardholder form RegFormRes carries: what a bank might ask to tie a card to its holder. */
export const DEFAULT_CARDHOLDER_FORM: RegForm = {
  fields: [
    { name: 'fullName', label: 'Name on card', kind: 'text', required: true, maxLength: 64 },
    { name: 'postcode', label: 'Billing postcode', kind: 'postalCode', required: true, maxLength: 10 },
    { name: 'email', label: 'Email (optional)', kind: 'email', required: false, maxLength: 254 },
  ],
  policy:
    'Sandbox cardholder terms: this certificate is for testing only. It names your card by a ' +
    'one-way identifier, never by its number, and the issuer may revoke it at any time.',
};

/**
 * The form for renewing a card's certificate: nothing to fill in again, since the CertReq is
 * co-signed by the card's current certificate, whose unique ID names the same card.
 */
export const DEFAULT_CARDHOLDER_RENEWAL_FORM: RegForm = {
  fields: [],
  policy:
    'Sandbox renewal terms: the new certificate names the same card by the same one-way ' +
    'identifier, with a new key; the certificate it renews can renew nothing afterwards.',
};

export const DEFAULT_MERCHANT_FORM: RegForm = {
  fields: [{ name: 'contactEmail', label: 'Contact email', kind: 'email', required: false, maxLength: 254 }],
  policy:
    'Sandbox merchant terms: the certificate binds your merchant data and web origins for testing ' +
    'only. Wallets refuse to pay on pages served from any other origin.',
};

export const DEFAULT_GATEWAY_FORM: RegForm = {
  fields: [
    { name: 'gatewayName', label: 'Gateway name', kind: 'text', required: false, maxLength: 64 },
    { name: 'acquirer', label: 'Acquirer', kind: 'text', required: false, maxLength: 64 },
  ],
  policy: 'Sandbox payment gateway terms: for testing only.',
};

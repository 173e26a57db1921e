/**
 * src/web: small pieces every server-rendered site of the sandbox parties shares (the issuer site,
 * the gateway dashboard, the demo store): the HTML escaper, the form reader (over src/protocol's
 * size-limited body reader), `/healthz`, the operator's sign-in with its session cookie and
 * form tokens, and the pages' languages (i18n.ts). Imports nothing from other src/ folders but
 * src/protocol's body reader and amounts, so any party may use it without depending on another.
 */
export { type LimitedBody, readLimitedBody } from '../protocol/body.ts';
export * from './forms.ts';
export * from './health.ts';
export * from './host.ts';
export * from './html.ts';
export * from './i18n.ts';
export * from './operator-gate.ts';

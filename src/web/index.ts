/**
 * src/web: small pieces every server-rendered site of the sandbox parties shares (the issuer site,
 * the gateway dashboard, the demo store): the HTML escaper, a size-limited body and form reader,
 * `/healthz`, and the operator's sign-in with its session cookie and form tokens. Imports nothing from other
 * src/ folders, so any party may use it without depending on another.
 */
export * from './body.ts';
export * from './forms.ts';
export * from './health.ts';
export * from './host.ts';
export * from './html.ts';
export * from './operator-gate.ts';

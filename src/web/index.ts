/**
 * src/web: small helpers every server-rendered page of the sandbox parties shares (the issuer
 * site, the gateway dashboard, the demo store). Imports nothing from other src/ folders, so any
 * party may use it without depending on another.
 */
export * from './html.ts';

/**
 * src/wallet: the cardholder side of SET/2, the wallet extension's non-UI core. The background
 * service worker creates one Wallet and routes every message through the switchboard; the popup,
 * confirmation and options pages reach it only through the background (UiRequest in messages.ts).
 *
 *   wallet.ts        createWallet: the capabilities below over one database
 *   switchboard.ts   the background's one table of requests: per type, who may send it, the
 *                    wallet's handler and the effect in the browser (BackgroundEffects)
 *   vault/           passphrase-protected IndexedDB store: keys and card secrets sealed with
 *                    AES-256-GCM under a PBKDF2 key; locking, auto-lock, back-off, backup,
 *                    schema migrations; passphrase strength hint
 *   settings.ts      idle time before auto-lock
 *   roots.ts         trusted roots: built-in list plus user-confirmed sandbox roots
 *   cards.ts         registered cards (masked), default card
 *   registration.ts  CardCInit → RegForm → CertReq/CertRes, as steps for the registration page
 *   purchase.ts      one checkout request as a resumable state machine (PInit, PReq, PRes)
 *   receipts.ts      verified PRes kept and exported
 *   revocation.ts    each brand's verified BrandCRLIdentifier and CRLs, kept and listed in thumbs
 *   exchange.ts      one request/response over the page transport
 *   initiations.ts   the initiations content scripts found, per tab
 *   messages.ts      valibot schemas for every message between contexts
 *   platform.ts      the browser APIs it is given (IndexedDB, storage.session, alarms, clock)
 *
 * May import src/protocol only. No `browser` global: every browser API is passed in, so the
 * whole folder runs under vitest with fake-indexeddb and WXT's fake browser. This index only
 * re-exports (for tests and tools); the wallet's own modules import each other directly.
 */
export * from './cards.ts';
export * from './errors.ts';
export * from './exchange.ts';
export * from './initiations.ts';
export * from './messages.ts';
export * from './platform.ts';
export * from './purchase.ts';
export * from './receipts.ts';
export * from './registration.ts';
export * from './roots.ts';
export * from './settings.ts';
export * from './switchboard.ts';
export * from './vault/index.ts';
export * from './wallet.ts';

/**
 * src/protocol: SET/2 as ../../docs/protocol.md specifies it, used by every party (wallet,
 * merchant SDK, gateway, CAs). Pure TypeScript: no browser, DOM or Node APIs, and no imports from
 * any other src/ folder. Parsers check schema, size, version and date window, and fail with a
 * SetError carrying a SET ErrorCode.
 *
 *   primitives/  SHA-256, HMAC, ECDSA P-256 (RFC 6979, low-S), HPKE (RFC 9180 A.3 suite), and the
 *                platform provider behind them (WebCrypto; node:crypto, which a server passes in)
 *   pki/         X.509 certificates and CRLs with SET extensions, CA operations, path validation
 *   messages/    the wire wrapper and every message of SET-PROFILE §4, the dual signature
 *   initiation   the payment and registration initiations pages declare (SET-PROFILE §5)
 *
 * core.ts is the same surface without the CA operations (issuing certificates and CRLs, PEM
 * private keys), which load an ASN.1 library: the wallet imports core.ts, never this file.
 */
export * from './amount.ts';
export * from './body.ts';
export * from './encoding.ts';
export * from './errors.ts';
export * from './initiation.ts';
export * from './merchant-bundle.ts';
export * from './messages/index.ts';
export * from './messages/registration/cert-issue.ts';
export * from './pan.ts';
export * from './pki/index.ts';
export * from './primitives/index.ts';
export * from './primitives/node-provider.ts';

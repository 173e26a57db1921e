/**
 * src/protocol without what only a CA does: everything a cardholder, a merchant or a gateway
 * reads and writes, with certificates and CRLs read by pki/der.ts. The wallet imports this (or
 * single modules), never ./index.ts: the CA operations (pki/issue.ts, pki/ca.ts,
 * pki/private-key.ts, messages/registration/cert-issue.ts) load an ASN.1 library of about 118 KB
 * that the service worker must not carry (issue 11; tests/unit/architecture.test.ts).
 */
export * from './amount.ts';
export * from './body.ts';
export * from './encoding.ts';
export * from './errors.ts';
export * from './initiation.ts';
export * from './messages/index.ts';
export * from './pan.ts';
export * from './pki/read.ts';
export * from './primitives/aead.ts';
export * from './primitives/ecdh.ts';
export * from './primitives/hash.ts';
export * from './primitives/hpke.ts';
export * from './primitives/p256.ts';
export * from './primitives/provider.ts';

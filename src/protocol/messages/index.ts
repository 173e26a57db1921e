/**
 * SET/2 messages (SET-PROFILE §4): the wire wrapper (wire.ts), its clear header (header.ts),
 * SignedData (signed.ts), a signed message that is not sealed (signed-message.ts), the HPKE
 * envelope (sealed.ts), trust and thumbprints (trust.ts), and one file per message family:
 * registration/, purchase/, payment/, error.ts. Imports ../pki, ../primitives, ../encoding and
 * ../errors only.
 */
export * from './brand-crl-identifier.ts';
export * from './dual-signature.ts';
export * from './error.ts';
export * from './fields.ts';
export * from './header.ts';
export * from './hod.ts';
export * from './install-recur.ts';
export * from './payment/auth.ts';
export * from './payment/batch-admin.ts';
export * from './payment/exchange.ts';
export * from './payment/follow-up.ts';
export * from './payment/notification.ts';
export * from './payment/p-cert.ts';
export * from './payment/trans-list.ts';
export * from './purchase/p-init.ts';
export * from './purchase/p-req.ts';
export * from './purchase/p-res.ts';
export * from './receive.ts';
export * from './registration/index.ts';
export * from './sealed.ts';
export * from './signed.ts';
export * from './signed-message.ts';
export * from './trust.ts';
export * from './wire.ts';

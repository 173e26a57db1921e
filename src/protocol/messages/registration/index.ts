/**
 * Certificate registration (SET Book 2 "Cardholder registration" and "Merchant/Acquirer
 * registration"; SET-PROFILE §4): how a wallet, a merchant or a payment gateway obtains its
 * certificates from a CCA, MCA or PCA.
 *
 *   cardholder: CardCInitReq → CardCInitRes, RegFormReq → RegFormRes, CertReq → CertRes
 *   any requester: CertInqReq → CertInqRes (a pending or lost CertRes)
 *   merchant, gateway: Me-AqCInitReq → Me-AqCInitRes, CertReq → CertRes
 *
 * May import: ../ (wire, header, fields, signed, sealed, trust), ../../pki, ../../primitives,
 * ../../encoding, ../../errors. Nothing here keeps state: pending registrations and keys belong
 * to the caller.
 */
export * from './card-c-init.ts';
export * from './cert-inq.ts';
export * from './cert-req.ts';
export * from './enrolment.ts';
export * from './me-aq-c-init.ts';
export * from './reg-form.ts';
export * from './reg-form-schema.ts';

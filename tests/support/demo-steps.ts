/**
 * The SET messages a demo run exchanges, in order, part by part (`setwallet demo`'s transcript):
 * what tests/e2e/demo.test.ts and tests/integration/demo-transcript.test.ts both expect.
 */

/** A merchant's or a gateway's enrolment at its CA. */
export const ENROLMENT = ['Me-AqCInitReq', 'Me-AqCInitRes', 'CertReq', 'CertRes'];
/** The card's registration with the CCA. */
export const REGISTRATION = [
  'CardCInitReq',
  'CardCInitRes',
  'RegFormReq',
  'RegFormRes',
  'CertReq',
  'CertRes',
];
/** The purchase; the store asks the gateway for its certificates (PCertReq) before its first PInitRes. */
export const PURCHASE = [
  'PInitReq',
  'PCertReq',
  'PCertRes',
  'PInitRes',
  'PReq',
  'AuthReq',
  'AuthRes',
  'PRes',
  'CapReq',
  'CapRes',
];
/** The rest of the order ships: authorized with the AuthToken, then captured. */
export const REST = ['AuthReq', 'AuthRes', 'CapReq', 'CapRes'];
/** The subscription (the gateway's certificates already known). */
export const SUBSCRIPTION = ['PInitReq', 'PInitRes', 'PReq', 'AuthReq', 'AuthRes', 'PRes'];
/** The subscription's next payment a month later (CaptureNow: no CapReq). */
export const NEXT_PAYMENT = ['AuthReq', 'AuthRes'];

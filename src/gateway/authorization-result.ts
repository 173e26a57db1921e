/**
 * What the issuer's decision becomes in an AuthRes, for a first authorization and a subsequent one
 * alike: the result, and for an approval the merchant will capture later, its CapToken (sealed to
 * the gateway's own key-exchange certificate).
 */
import type { Amount, AuthResult, ParsedCertificate } from '../protocol/index.ts';
import { sealCapToken } from '../protocol/index.ts';
import type { IssuerDecision } from './issuer-simulator.ts';

export function authResultOf(decision: IssuerDecision, amount: Amount): AuthResult {
  return decision.status === 'approved'
    ? { status: 'approved', authCode: decision.authCode, amount }
    : { status: 'declined', reason: decision.reason, amount };
}

/** The CapToken of an approval; none for a decline or with CaptureNow (nothing left to capture). */
export async function capTokenOf(
  decision: IssuerDecision,
  req: { authReqAmt: Amount; captureNow?: boolean | undefined },
  xid: string,
  at: Date,
  gateway: ParsedCertificate,
): Promise<string | undefined> {
  if (decision.status !== 'approved' || req.captureNow) return undefined;
  return sealCapToken(
    { type: 'CapToken', xid, authAmt: req.authReqAmt, authCode: decision.authCode, date: at.toISOString() },
    gateway,
  );
}

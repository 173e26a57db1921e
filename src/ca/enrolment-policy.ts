/**
 * Who gets merchant and payment-gateway certificates (SET Book 2 "Merchant/Acquirer
 * registration": the MCA and PCA decide, out of band, whom to certify). A refusal is a business
 * result, carried in a rejected CertRes, never an Error.
 *
 * The sandbox policy approves every request whose data is sound: the protocol schema has already
 * checked merchantData's fields and that each origin is a web origin; here a merchant may bind
 * plain-http origins only on the loopback interface, since nobody can prove control of an
 * internet name over http.
 */
import type { CertReqData, DistinguishedName } from '../protocol/index.ts';

export type MerchantCertReq = Extract<CertReqData, { requestType: 'merchant' }>;
export type GatewayCertReq = Extract<CertReqData, { requestType: 'gateway' }>;

export type EnrolmentDecision =
  | {
      approve: true;
      subject?: DistinguishedName;
      /**
       * A gateway: false when the PCA lets it take purchases without a cardholder certificate
       * (its certificates say cardCertRequired false); default true.
       */
      cardCertRequired?: boolean;
    }
  | { approve: false; reason: string };

/**
 * The sandbox's one acquirer that takes purchases without a cardholder certificate: a gateway
 * enrolling for it (the form's Acquirer) gets certificates saying cardCertRequired false, so a
 * shop behind it can show what SET's cardholder certificates add. Every other gateway's say true.
 */
export const OPEN_ACQUIRER = 'SETPay Open Acquirer';

export interface EnrolmentPolicy {
  merchant(req: MerchantCertReq): EnrolmentDecision;
  gateway(req: GatewayCertReq): EnrolmentDecision;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why `origin` may not be bound into a sandbox merchant certificate, or undefined. */
export function originProblem(origin: string): string | undefined {
  const url = new URL(origin);
  if (url.protocol === 'https:') return undefined;
  if (LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return `${origin} is plain http on a public name; use https, or http on localhost or 127.0.0.1`;
}

export const sandboxEnrolments: EnrolmentPolicy = {
  merchant(req) {
    if (new Set(req.origins).size !== req.origins.length) {
      return { approve: false, reason: 'the same web origin is listed twice' };
    }
    for (const origin of req.origins) {
      const problem = originProblem(origin);
      if (problem) return { approve: false, reason: problem };
    }
    const m = req.merchantData;
    return { approve: true, subject: { commonName: m.name, organization: m.name, country: m.country } };
  },
  gateway(req) {
    const name = req.answers.gatewayName?.trim();
    const acquirer = req.answers.acquirer?.trim();
    return {
      approve: true,
      subject: {
        commonName: name || 'SET/2 Sandbox Payment Gateway',
        ...(acquirer ? { organization: acquirer } : {}),
      },
      ...(acquirer === OPEN_ACQUIRER ? { cardCertRequired: false } : {}),
    };
  },
};

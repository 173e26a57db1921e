/**
 * Which MerchantID an MCA certifies (SET-PROFILE §6 "Merchant identity"; SET Book 2 "Certificate
 * renewal"). The MCA assigns the ID itself; it never certifies an ID held by another key lineage,
 * and two merchants never share a name:
 *
 *   - a new enrolment names no MerchantID and gets a fresh one, unless its name is taken;
 *   - a renewal carries the merchant's current signature certificate and is signed by its key
 *     too (openCertReq checked that signature): it keeps that certificate's ID and name. Only the
 *     current certificate of an enrolment renews it, not an older, revoked or expired one.
 *
 * A refusal is a business result (a rejected CertRes with a reason the requester can act on).
 * Runs inside the CertReq's transaction: the row it claims or locks commits with the certificates,
 * or not at all.
 */
import { constantTimeEqual, type ParsedCertificate } from '../protocol/index.ts';
import type { Sql } from '../storage/index.ts';
import type { MerchantCertReq } from './enrolment-policy.ts';
import { claimMerchantId, findEnrolment, findIssued, merchantNameKey } from './store/merchant-enrolments.ts';

export type MerchantIdentity = { merchantId: string; renewal: boolean } | { rejected: string };

export async function merchantIdentity(
  tx: Sql,
  req: MerchantCertReq,
  renewing: ParsedCertificate | undefined,
  at: Date,
): Promise<MerchantIdentity> {
  const requestedId = req.merchantData.merchantId;
  if (!renewing) {
    if (requestedId !== undefined) {
      return {
        rejected:
          'The Merchant CA assigns MerchantIDs itself: leave merchantId out of merchantData. To keep ' +
          'your MerchantID, renew: send the request with your current certificate, signed by its key too.',
      };
    }
    const claimed = await claimMerchantId(tx, { name: req.merchantData.name, at });
    if ('nameTaken' in claimed) {
      return {
        rejected: `Another merchant is enrolled under the name "${req.merchantData.name}". Choose another name, or, if it is yours, renew with your current certificate.`,
      };
    }
    return { merchantId: claimed.merchantId, renewal: false };
  }

  const issued = await findIssued(tx, renewing.thumbprint);
  if (issued?.issuer !== 'mca' || issued.keyRole !== 'signature' || !issued.merchantId) {
    return {
      rejected:
        'This Merchant CA did not enrol the certificate you renew (certificates from before MerchantIDs were assigned cannot be renewed): enrol anew.',
    };
  }
  if (issued.revoked) return { rejected: 'The certificate you renew is revoked: it cannot renew.' };
  if (issued.notAfter < at) return { rejected: 'The certificate you renew has expired: it cannot renew.' };
  const enrolment = await findEnrolment(tx, issued.merchantId, true);
  if (!enrolment?.currentThumbprint || !constantTimeEqual(enrolment.currentThumbprint, renewing.thumbprint)) {
    return {
      rejected: `The certificate you renew is no longer ${issued.merchantId}'s current one: renew with the latest certificate.`,
    };
  }
  if (requestedId !== undefined && requestedId !== enrolment.merchantId) {
    return {
      rejected: `A renewal keeps its MerchantID ${enrolment.merchantId}; it cannot take ${requestedId}.`,
    };
  }
  if (merchantNameKey(req.merchantData.name) !== enrolment.nameKey) {
    return {
      rejected: `A renewal keeps the merchant's name "${enrolment.name}"; ask the Merchant CA's operator to change it.`,
    };
  }
  return { merchantId: enrolment.merchantId, renewal: true };
}

/**
 * The AuthReq a claim stands for, kept as text with the claim. A resent AuthReq must be the same
 * request (same XID, RRPID, content and PI) for the gateway to answer it as a retry rather than
 * refuse a second authorization of the XID. So a retry, even one triggered by a PReq the wallet
 * rebuilt, is rebuilt from these values, and keeping them as a JSON string (never as a JSON
 * column) preserves their key order through any database.
 */
import { b64u, fromB64u, type InstallRecurData } from '../protocol/index.ts';
import type { AuthorizationRequest } from './gateway-client.ts';

interface Stored {
  oiData: AuthorizationRequest['purchase']['oiData'];
  hOIData: string;
  piBytes: string;
  certs: string[];
  amount: AuthorizationRequest['amount'];
  captureNow: boolean;
  rrpid: string;
  installRecurData?: InstallRecurData;
}

export function encodeAuthorizationRequest(req: AuthorizationRequest): string {
  const { oiData, hOIData, piBytes, certs } = req.purchase;
  const { currency, value, exponent } = req.amount;
  const stored: Stored = {
    oiData: { transIds: oiData.transIds, hod: oiData.hod },
    hOIData: b64u(hOIData),
    piBytes: b64u(piBytes),
    certs,
    amount: { currency, value, exponent },
    captureNow: req.captureNow ?? false,
    rrpid: req.rrpid,
    ...(req.installRecurData ? { installRecurData: req.installRecurData } : {}),
  };
  return JSON.stringify(stored);
}

/** Reads back what encodeAuthorizationRequest wrote (our own record, not peer input). */
export function decodeAuthorizationRequest(text: string): AuthorizationRequest {
  const s = JSON.parse(text) as Stored;
  return {
    purchase: {
      oiData: s.oiData,
      hOIData: fromB64u(s.hOIData, 'stored H(OIData)'),
      piBytes: fromB64u(s.piBytes, 'stored PI'),
      certs: s.certs,
    },
    amount: s.amount,
    captureNow: s.captureNow,
    rrpid: s.rrpid,
    ...(s.installRecurData ? { installRecurData: s.installRecurData } : {}),
  };
}

/**
 * PInitReq → PInitRes (SET Book 2 "Purchase initialization"; SET-PROFILE §4 Purchase 1–2).
 * PInitReq is plain. PInitRes is signed by the merchant and carries TransIDs with the new XID,
 * the echoed Chall-C, a fresh Chall-M, the gateway key-exchange certificate's thumbprint and the
 * order (OD, PurchAmt, ODSalt) that the wallet shows the cardholder.
 */
import * as v from 'valibot';
import { b64u, fromB64u } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import type { ParsedCertificate, ValidatedPath } from '../../pki/types.ts';
import { randomNonce } from '../../primitives/hash.ts';
import { type RevocationInForce, withRevocationInfo } from '../brand-crl-identifier.ts';
import {
  Amount,
  Bin,
  BrandId,
  Digest,
  Label,
  Language,
  Nonce,
  Text,
  Thumbs,
  Timestamp,
  TransIds,
} from '../fields.ts';
import { headerFor } from '../header.ts';
import { checkInstallRecur, InstallRecurData } from '../install-recur.ts';
import { receivePlain, receiveSigned } from '../receive.ts';
import { plainBody, type Signer } from '../signed.ts';
import { signedMessage } from '../signed-message.ts';
import type { VerifyContext } from '../trust.ts';
import { makeWire, type Wire } from '../wire.ts';

export const PInitReqContent = v.strictObject({
  type: v.literal('PInitReq'),
  date: Timestamp,
  rrpid: Nonce,
  language: Language,
  lidC: Label,
  lidM: Label,
  challC: Nonce,
  brandId: BrandId,
  bin: Bin,
  thumbs: Thumbs,
});
export type PInitReqContent = v.InferOutput<typeof PInitReqContent>;

export const MAX_OD_LENGTH = 2000;

export const PInitResContent = v.strictObject({
  type: v.literal('PInitRes'),
  date: Timestamp,
  rrpid: Nonce,
  transIds: TransIds,
  challC: Nonce,
  challM: Nonce,
  brandId: BrandId,
  /** Thumbprint of the payment gateway's key-exchange certificate the PI must be sealed to. */
  pgThumb: Digest,
  od: v.pipe(Text(MAX_OD_LENGTH), v.minLength(1)),
  purchAmt: Amount,
  odSalt: Nonce,
  /** The payment plan (SET-PROFILE §6): the HOD covers it, and the wallet shows it before Pay. */
  installRecurData: v.optional(InstallRecurData),
});
export type PInitResContent = v.InferOutput<typeof PInitResContent>;

export function buildPInitReq(p: {
  lidC: string;
  lidM: string;
  brandId: string;
  bin: string;
  language?: string;
  thumbs?: string[];
  now?: Date;
}): { wire: Wire<'PInitReq'>; content: PInitReqContent } {
  const content: PInitReqContent = {
    type: 'PInitReq',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    language: p.language ?? 'en',
    lidC: p.lidC,
    lidM: p.lidM,
    challC: b64u(randomNonce()),
    brandId: p.brandId,
    bin: p.bin,
    thumbs: p.thumbs ?? [],
  };
  return { wire: makeWire('PInitReq', headerFor(content), plainBody(content)), content };
}

/** Merchant side: parses a PInitReq. */
export function parsePInitReq(input: string | Uint8Array, clock: VerifyContext['clock']): PInitReqContent {
  return receivePlain(input, 'PInitReq', PInitReqContent, clock);
}

export async function buildPInitRes(p: {
  req: PInitReqContent;
  merchant: Signer & { chain: ParsedCertificate[] };
  gatewayKeyExchange: ParsedCertificate[];
  od: string;
  purchAmt: Amount;
  /** A payment plan: later merchant-initiated payments under the same signature (SET-PROFILE §6). */
  installRecurData?: InstallRecurData;
  /** The BrandCRLIdentifier and CRLs in force: attached when the wallet's thumbs show it lacks them. */
  revocation?: RevocationInForce;
  xid?: Uint8Array;
  now?: Date;
}): Promise<{ wire: Wire<'PInitRes'>; content: PInitResContent }> {
  const now = p.now ?? new Date();
  const content: PInitResContent = {
    type: 'PInitRes',
    date: now.toISOString(),
    rrpid: p.req.rrpid,
    transIds: {
      lidC: p.req.lidC,
      lidM: p.req.lidM,
      xid: b64u(p.xid ?? randomNonce()),
      pReqDate: now.toISOString(),
      language: p.req.language,
    },
    challC: p.req.challC,
    challM: b64u(randomNonce()),
    brandId: p.req.brandId,
    pgThumb: b64u(p.gatewayKeyExchange[0]!.thumbprint),
    od: p.od,
    purchAmt: p.purchAmt,
    odSalt: b64u(randomNonce()),
    ...(p.installRecurData ? { installRecurData: p.installRecurData } : {}),
  };
  if (p.installRecurData) checkInstallRecur(p.installRecurData, p.purchAmt, now);
  const wire = await signedMessage('PInitRes', content, p.merchant, {
    chains: [p.gatewayKeyExchange],
    peerThumbs: p.req.thumbs,
  });
  return { wire: withRevocationInfo(wire, p.req.thumbs, p.revocation), content };
}

export interface VerifiedPInitRes {
  content: PInitResContent;
  merchant: ValidatedPath;
  gateway: ValidatedPath;
}

/**
 * Wallet side: verifies a PInitRes against the PInitReq it sent: merchant signature and chain,
 * the echoed RRPID and Chall-C, the labels, the date, and the gateway key-exchange certificate.
 */
export async function verifyPInitRes(
  input: string | Uint8Array,
  req: PInitReqContent,
  ctx: VerifyContext,
): Promise<VerifiedPInitRes> {
  const missing = req.thumbs.length ? 'thumbsMismatch' : 'missingCertificate';
  const { content, path } = await receiveSigned(
    input,
    'PInitRes',
    PInitResContent,
    ctx,
    { types: ['merchant'], keyRole: 'signature' },
    { missing },
  );
  if (content.rrpid !== req.rrpid) fail('unknownRRPID', 'PInitRes answers a different PInitReq (RRPID)');
  if (content.challC !== req.challC) fail('challengeMismatch', 'PInitRes does not echo our Chall-C');
  if (content.transIds.lidC !== req.lidC || content.transIds.lidM !== req.lidM) {
    fail('badMessageHeader', 'PInitRes names other LID-C/LID-M than we sent');
  }
  if (content.brandId !== req.brandId)
    fail('badMessageHeader', 'PInitRes names another brand than we asked for');
  if (content.installRecurData) checkInstallRecur(content.installRecurData, content.purchAmt, ctx.clock.now);
  const gateway = await ctx.trust.verify(
    fromB64u(content.pgThumb, 'pgThumb'),
    { types: ['gateway'], keyRole: 'key-exchange' },
    ctx.clock,
    missing,
  );
  if (gateway.brandId !== path.brandId)
    fail('invalidCertificate', 'the gateway certificate is of another brand');
  return { content, merchant: path, gateway };
}

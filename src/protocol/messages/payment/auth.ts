/**
 * AuthReq → AuthRes (SET Book 2 "Payment authorization"; SET-PROFILE §4 Payment). The merchant
 * signs AuthReqData with CheckDigests {H(OIData), HOD} it computed itself, seals it to the
 * gateway, and forwards the wallet's PI bytes as linked baggage. The gateway makes every check
 * the profile lists (except XID uniqueness, which needs its ledger) before it asks the issuer.
 *
 * A subsequent authorization (SET Book 2 SubsequentAuthInd; SET-PROFILE §6 split shipment,
 * installments and recurring payments) carries, instead of a PI, the AuthToken an earlier AuthRes
 * returned: the gateway's own sealed note of what the cardholder signed. It has no baggage and no
 * CheckDigests, and it names an idempotency key, like every follow-up.
 */
import * as v from 'valibot';
import { b64u, constantTimeEqualB64, fromB64u, jsonBytes } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import { verifyKeyOf } from '../../pki/keys.ts';
import type { ParsedCertificate, ValidatedPath } from '../../pki/types.ts';
import { uniqueCardholderId } from '../../pki/unique-id.ts';
import { sha256 } from '../../primitives/hash.ts';
import { verifyDualSignature } from '../dual-signature.ts';
import {
  Amount,
  AuthResult,
  BrandId,
  b64uMax,
  Digest,
  Expiry,
  IdempotencyKey,
  Label,
  Nonce,
  Pan,
  Timestamp,
  TransIds,
} from '../fields.ts';
import { InstallRecurData, samePlan } from '../install-recur.ts';
import { PI, PIData } from '../purchase/p-req.ts';
import { openSealed, type Recipient, SealedBody, sealTo } from '../sealed.ts';
import { parseContent } from '../signed.ts';
import type { VerifyContext } from '../trust.ts';
import type { Wire, WireInput } from '../wire.ts';
import {
  buildExchange,
  type ExchangeBody,
  merchantSignature,
  openExchange,
  openGatewayAnswer,
  type SignedSender,
} from './exchange.ts';

export const MAX_CAP_TOKEN_BYTES = 2048;
export const MAX_AUTH_TOKEN_BYTES = 4096;

const authReqCommon = {
  type: v.literal('AuthReqData'),
  date: Timestamp,
  rrpid: Nonce,
  transIds: TransIds,
  authReqAmt: Amount,
  captureNow: v.boolean(),
};

/** The first authorization of a purchase: the PI travels as baggage. */
export const InitialAuthReqData = v.strictObject({
  ...authReqCommon,
  subsequentAuthInd: v.optional(v.literal(false)),
  checkDigests: v.strictObject({ hOIData: Digest, hod: Digest }),
  /** The order's plan as the merchant declared it; must equal the one in the PIHead. */
  installRecurData: v.optional(InstallRecurData),
});
export type InitialAuthReqData = v.InferOutput<typeof InitialAuthReqData>;

/** A further authorization of the same purchase (same TransIDs), with the AuthToken instead of a PI. */
export const SubsequentAuthReqData = v.strictObject({
  ...authReqCommon,
  subsequentAuthInd: v.literal(true),
  /** Opaque to the merchant: the AuthToken of an earlier AuthRes for this XID. */
  authToken: b64uMax(MAX_AUTH_TOKEN_BYTES),
  /** SET-PROFILE §6 idempotency: the same key gets the same AuthRes and never a second authorization. */
  idempotencyKey: IdempotencyKey,
});
export type SubsequentAuthReqData = v.InferOutput<typeof SubsequentAuthReqData>;

export const AuthReqData = v.variant('subsequentAuthInd', [InitialAuthReqData, SubsequentAuthReqData]);
export type AuthReqData = v.InferOutput<typeof AuthReqData>;

export const AuthResData = v.strictObject({
  type: v.literal('AuthResData'),
  date: Timestamp,
  rrpid: Nonce,
  transIds: TransIds,
  result: AuthResult,
  /** Opaque to the merchant: sealed by the gateway to itself, returned in CapReq. */
  capToken: v.optional(b64uMax(MAX_CAP_TOKEN_BYTES)),
  /**
   * Opaque to the merchant: sealed by the gateway to itself. Returned while the purchase may still
   * be authorized further (a part of the signed amount remains, or the order has a plan); a
   * subsequent AuthReq carries it.
   */
  authToken: v.optional(b64uMax(MAX_AUTH_TOKEN_BYTES)),
  /** A message from the acquirer to the cardholder, sealed to the PI's AcqBackKey. */
  acqCardMsg: v.optional(SealedBody),
});
export type AuthResData = v.InferOutput<typeof AuthResData>;

/** Merchant side. */
export async function buildAuthReq(p: {
  merchant: SignedSender;
  gatewayKeyExchange: ParsedCertificate;
  oiData: { transIds: AuthReqData['transIds']; hod: string };
  hOIData: Uint8Array;
  piBytes: Uint8Array;
  cardholderCerts: string[];
  authReqAmt: InitialAuthReqData['authReqAmt'];
  captureNow?: boolean;
  /** The plan the merchant declared in its PInitRes, if any. */
  installRecurData?: InstallRecurData;
  rrpid: string;
  now?: Date;
}): Promise<{ wire: Wire<'AuthReq', ExchangeBody>; content: InitialAuthReqData }> {
  const content: InitialAuthReqData = {
    type: 'AuthReqData',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.rrpid,
    transIds: p.oiData.transIds,
    authReqAmt: p.authReqAmt,
    captureNow: p.captureNow ?? false,
    checkDigests: { hOIData: b64u(p.hOIData), hod: p.oiData.hod },
    ...(p.installRecurData ? { installRecurData: p.installRecurData } : {}),
  };
  const wire = await buildExchange('AuthReq', content, p.merchant, p.gatewayKeyExchange, {
    baggage: p.piBytes,
    extraCerts: p.cardholderCerts,
  });
  return { wire, content };
}

/** Merchant side: a further authorization of a purchase, with the AuthToken of an earlier AuthRes. */
export async function buildSubsequentAuthReq(p: {
  merchant: SignedSender;
  gatewayKeyExchange: ParsedCertificate;
  /** The purchase's TransIDs, as in its first AuthReq. */
  transIds: SubsequentAuthReqData['transIds'];
  authToken: string;
  authReqAmt: SubsequentAuthReqData['authReqAmt'];
  idempotencyKey: string;
  captureNow?: boolean;
  /** The merchant's key-exchange chain, so the AuthRes can be sealed to it. */
  extraCerts?: string[];
  rrpid: string;
  now?: Date;
}): Promise<{ wire: Wire<'AuthReq', ExchangeBody>; content: SubsequentAuthReqData }> {
  const content: SubsequentAuthReqData = {
    type: 'AuthReqData',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.rrpid,
    transIds: p.transIds,
    authReqAmt: p.authReqAmt,
    captureNow: p.captureNow ?? false,
    subsequentAuthInd: true,
    authToken: p.authToken,
    idempotencyKey: p.idempotencyKey,
  };
  const wire = await buildExchange('AuthReq', content, p.merchant, p.gatewayKeyExchange, {
    ...(p.extraCerts ? { extraCerts: p.extraCerts } : {}),
  });
  return { wire, content };
}

export interface VerifiedAuthReq {
  kind: 'initial';
  content: InitialAuthReqData;
  merchant: ValidatedPath;
  piData: PIData;
  piBytes: Uint8Array;
  /** Present when the PI was dual-signed. */
  cardholder?: ValidatedPath;
}

/**
 * Gateway side: the merchant's signature and certificate; opening the PI; the DS against the
 * cardholder certificate; H(OIData) and HOD against CheckDigests; PurchAmt against AuthReqAmt;
 * MerchantID and the gateway thumbprint against reality; the unique cardholder ID against PANData.
 */
export async function verifyAuthReq(
  input: WireInput,
  gateway: Recipient,
  ctx: VerifyContext,
  opts: { acceptUnsigned?: boolean } = {},
): Promise<VerifiedAuthReq> {
  const verified = await verifyAnyAuthReq(input, gateway, ctx, opts);
  if (verified.kind !== 'initial')
    fail('decodingFailure', 'a subsequent AuthReq where a first one was expected');
  return verified;
}

export interface VerifiedSubsequentAuthReq {
  kind: 'subsequent';
  content: SubsequentAuthReqData;
  merchant: ValidatedPath;
  /** The AuthToken, opened: what the cardholder signed. Its XID is the request's. */
  token: AuthTokenData;
}

/**
 * Gateway side, for either kind of AuthReq. A subsequent one: the merchant's signature and
 * certificate, no PI, the AuthToken opened with the gateway's own key (tampered or foreign:
 * decodingFailure / thumbsMismatch), and the token's XID against the TransIDs. Whether the
 * merchant and the amount fit is the ledger's to say (authorization.ts).
 */
export async function verifyAnyAuthReq(
  input: WireInput,
  gateway: Recipient,
  ctx: VerifyContext,
  opts: { acceptUnsigned?: boolean } = {},
): Promise<VerifiedAuthReq | VerifiedSubsequentAuthReq> {
  const opened = await openExchange(input, 'AuthReq', AuthReqData, gateway, merchantSignature, ctx);
  const { sender: merchant } = opened;
  if (opened.content.subsequentAuthInd === true) {
    const content = opened.content;
    if (opened.baggage) fail('decodingFailure', 'a subsequent AuthReq carries the AuthToken, not a PI');
    const token = await openAuthToken(content.authToken, gateway);
    if (token.xid !== content.transIds.xid) {
      fail('unknownXID', 'the AuthToken was issued for another purchase (XID)');
    }
    return { kind: 'subsequent', content, merchant, token };
  }
  const content = opened.content;
  if (!opened.baggage) fail('decodingFailure', 'AuthReq carries no PI');
  const piBytes = opened.baggage;
  const pi = parseContent(piBytes, PI, 'PI');
  const hOIData = fromB64u(content.checkDigests.hOIData, 'hOIData');
  // The PI was sealed with H(OIData) as associated data: it opens only with the digest the
  // cardholder saw, so a merchant's wrong CheckDigests or a PI from another order fails here.
  const piDataBytes = await openSealed(
    pi.sealed,
    gateway,
    pi.type === 'PIDualSigned' ? 'PIData' : 'PIDataUnsigned',
    hOIData,
  );
  const piData = parseContent(piDataBytes, PIData, 'PIData');
  let cardholder: ValidatedPath | undefined;
  if (pi.type === 'PIDualSigned') {
    if (piData.type !== 'PIData') fail('decodingFailure', 'a dual-signed PI must hold PANData');
    cardholder = await ctx.trust.verify(
      fromB64u(pi.signer, 'PI.signer'),
      { types: ['cardholder'], keyRole: 'signature' },
      ctx.clock,
    );
    await verifyDualSignature(
      fromB64u(pi.ds, 'PI.ds'),
      sha256(piDataBytes),
      hOIData,
      // The key imported once per parsed certificate: a returning cardholder's path is cached.
      await verifyKeyOf(cardholder.chain[0]!),
      'PIData',
    );
    const id = uniqueCardholderId(
      fromB64u(piData.panData.panSecret),
      piData.panData.pan,
      piData.panData.expiry,
    );
    const certId = cardholder.chain[0]!.uniqueCardholderId;
    if (!certId || !constantTimeEqualB64(b64u(id), b64u(certId))) {
      fail(
        'invalidCertificate',
        'the cardholder certificate was not issued for this card (unique cardholder ID)',
      );
    }
  } else {
    if (piData.type !== 'PIDataUnsigned') fail('decodingFailure', 'an unsigned PI must hold PANToken');
    const allowed = opts.acceptUnsigned ?? gateway.certificate.cardCertRequired === false;
    if (!allowed)
      fail('signatureRequired', 'this gateway requires a cardholder certificate (cardCertRequired)');
  }
  const head = piData.piHead;
  if (!constantTimeEqualB64(head.hod, content.checkDigests.hod)) {
    fail('signatureFailure', 'the HOD in the PI differs from the merchant’s CheckDigests');
  }
  const t = head.transIds;
  const m = content.transIds;
  if (
    t.xid !== m.xid ||
    t.lidC !== m.lidC ||
    t.lidM !== m.lidM ||
    t.pReqDate !== m.pReqDate ||
    t.language !== m.language
  ) {
    fail('signatureFailure', 'the TransIDs in the PI differ from those in AuthReq');
  }
  const purch = head.purchAmt;
  const req = content.authReqAmt;
  if (purch.currency !== req.currency || purch.exponent !== req.exponent || req.value > purch.value) {
    fail(
      'signatureFailure',
      'AuthReqAmt exceeds, or is in another currency than, the PurchAmt the cardholder signed',
    );
  }
  if (head.merchantId !== merchant.chain[0]!.merchantData?.merchantId) {
    fail('signatureFailure', 'the PI names another merchant than the one that signed AuthReq');
  }
  if (!constantTimeEqualB64(head.pgThumb, b64u(gateway.certificate.thumbprint))) {
    fail('thumbsMismatch', 'the cardholder signed for another gateway key than the one the PI is sealed to');
  }
  if (cardholder && cardholder.brandId !== merchant.brandId) {
    fail('invalidCertificate', 'the cardholder and merchant certificates are of different brands');
  }
  if (!samePlan(head.installRecurData, content.installRecurData)) {
    fail(
      'signatureFailure',
      'the payment plan (InstallRecurData) in AuthReq differs from the one the cardholder signed',
    );
  }
  return { kind: 'initial', content, merchant, piData, piBytes, ...(cardholder ? { cardholder } : {}) };
}

export const CapTokenData = v.strictObject({
  type: v.literal('CapToken'),
  xid: Nonce,
  authAmt: Amount,
  authCode: v.string(),
  date: Timestamp,
});
export type CapTokenData = v.InferOutput<typeof CapTokenData>;

/** The gateway seals the capture token to its own key-exchange certificate; only it can open it. */
export async function sealCapToken(data: CapTokenData, gateway: ParsedCertificate): Promise<string> {
  return b64u(jsonBytes(await sealTo(gateway, 'CapToken', jsonBytes(data))));
}

export async function openCapToken(token: string, gateway: Recipient): Promise<CapTokenData> {
  const sealed = parseContent(fromB64u(token, 'capToken'), SealedBody, 'capToken');
  return parseContent(await openSealed(sealed, gateway, 'CapToken'), CapTokenData, 'CapToken');
}

/**
 * The AuthToken (SET Book 2 AuthToken; SET-PROFILE §6): what the gateway needs to authorize a
 * further part or payment without a new PI, sealed by the gateway to its own key-exchange
 * certificate, so it never leaves sealed to anyone else. What has been authorized so far is the
 * ledger's; the token holds only what the cardholder signed and for whom.
 */
export const AuthTokenData = v.strictObject({
  type: v.literal('AuthToken'),
  xid: Nonce,
  brandId: BrandId,
  /** The amount the cardholder signed (PurchAmt): the ceiling of all parts together, without a plan. */
  purchAmt: Amount,
  installRecurData: v.optional(InstallRecurData),
  /** The merchant identity that authorized the sale (SET-PROFILE §6 Merchant identity). */
  merchant: v.strictObject({ merchantId: Label, issuer: Digest }),
  /** What the issuer needs for a further authorization. */
  pan: Pan,
  expiry: Expiry,
  dualSigned: v.boolean(),
  date: Timestamp,
});
export type AuthTokenData = v.InferOutput<typeof AuthTokenData>;

export async function sealAuthToken(data: AuthTokenData, gateway: ParsedCertificate): Promise<string> {
  return b64u(jsonBytes(await sealTo(gateway, 'AuthToken', jsonBytes(data))));
}

export async function openAuthToken(token: string, gateway: Recipient): Promise<AuthTokenData> {
  const sealed = parseContent(fromB64u(token, 'authToken'), SealedBody, 'authToken');
  return parseContent(await openSealed(sealed, gateway, 'AuthToken'), AuthTokenData, 'AuthToken');
}

/** Gateway side. */
export async function buildAuthRes(p: {
  req: AuthReqData;
  gateway: SignedSender;
  merchantKeyExchange: ParsedCertificate;
  result: AuthResData['result'];
  capToken?: string;
  authToken?: string;
  acqCardMsg?: AuthResData['acqCardMsg'];
  now?: Date;
}): Promise<{ wire: Wire<'AuthRes', ExchangeBody>; content: AuthResData }> {
  const content: AuthResData = {
    type: 'AuthResData',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.req.rrpid,
    transIds: p.req.transIds,
    result: p.result,
    ...(p.capToken ? { capToken: p.capToken } : {}),
    ...(p.authToken ? { authToken: p.authToken } : {}),
    ...(p.acqCardMsg ? { acqCardMsg: p.acqCardMsg } : {}),
  };
  return { wire: await buildExchange('AuthRes', content, p.gateway, p.merchantKeyExchange), content };
}

/** Merchant side: opens and verifies the AuthRes answering `req`. */
export async function verifyAuthRes(
  input: WireInput,
  req: AuthReqData,
  merchant: Recipient,
  ctx: VerifyContext,
): Promise<{ content: AuthResData; gateway: ValidatedPath }> {
  return openGatewayAnswer(input, 'AuthRes', AuthResData, req, merchant, ctx);
}

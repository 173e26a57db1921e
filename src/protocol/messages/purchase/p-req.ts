/**
 * PReq (SET Book 2 "Purchase request"; SET-PROFILE §4 Purchase 4–8, 11): the wallet's
 * dual-signed payment. OIData goes to the merchant in clear; PIData is sealed to the gateway with
 * H(OIData) as associated data and travels as bytes the merchant forwards unchanged. A
 * cardholder without a certificate sends PANToken instead of PANData and no dual signature.
 */
import * as v from 'valibot';
import { b64u, constantTimeEqualB64, fromB64u, jsonBytes } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import { verifyKeyOf } from '../../pki/keys.ts';
import type { ParsedCertificate, ValidatedPath } from '../../pki/types.ts';
import { hmacSha256, randomNonce, sha256 } from '../../primitives/hash.ts';
import { dualSign, verifyDualSignature } from '../dual-signature.ts';
import {
  Amount,
  Bin,
  BrandId,
  b64uMax,
  Digest,
  Expiry,
  Label,
  Nonce,
  Pan,
  PublicKey,
  parseWith,
  Signature,
  SwIdent,
  Timestamp,
  TransIds,
} from '../fields.ts';
import { checkHeader, headerFor } from '../header.ts';
import { hod } from '../hod.ts';
import { InstallRecurData } from '../install-recur.ts';
import { MAX_SEALED_BYTES, SealedBody, sealTo } from '../sealed.ts';
import { parseContent } from '../signed.ts';
import { carriedCerts, type VerifyContext } from '../trust.ts';
import { checkDate, decodeWireOf, makeWire, type Wire } from '../wire.ts';
import type { VerifiedPInitRes } from './p-init.ts';

export const OIData = v.strictObject({
  type: v.literal('OIData'),
  transIds: TransIds,
  rrpid: Nonce,
  date: Timestamp,
  challC: Nonce,
  challM: Nonce,
  hod: Digest,
  odSalt: Nonce,
  brandId: BrandId,
  bin: Bin,
});
export type OIData = v.InferOutput<typeof OIData>;

export const PIHead = v.strictObject({
  transIds: TransIds,
  purchAmt: Amount,
  hod: Digest,
  merchantId: Label,
  /** Thumbprint of the gateway key the PI is sealed to: inside the signed data (SET/2 fix for Bella–Massacci–Paulson). */
  pgThumb: Digest,
  /** HMAC-SHA256(key = CardSecret, XID). */
  transStain: Digest,
  swIdent: SwIdent,
  /** A P-256 public key the acquirer may seal a message to the cardholder with. */
  acqBackKey: v.optional(PublicKey),
  /** The order's payment plan, as in PInitRes and the HOD: what the gateway holds later payments to. */
  installRecurData: v.optional(InstallRecurData),
});
export type PIHead = v.InferOutput<typeof PIHead>;

export const PANData = v.strictObject({ pan: Pan, expiry: Expiry, panSecret: Nonce, exNonce: Nonce });
export type PANData = v.InferOutput<typeof PANData>;
export const PANToken = v.strictObject({ pan: Pan, expiry: Expiry, exNonce: Nonce });
export type PANToken = v.InferOutput<typeof PANToken>;

export const PIData = v.variant('type', [
  v.strictObject({ type: v.literal('PIData'), piHead: PIHead, panData: PANData }),
  v.strictObject({ type: v.literal('PIDataUnsigned'), piHead: PIHead, panToken: PANToken }),
]);
export type PIData = v.InferOutput<typeof PIData>;

/** The PI as the wallet authors it; the merchant forwards these bytes to the gateway as baggage. */
export const PI = v.variant('type', [
  v.strictObject({ type: v.literal('PIDualSigned'), ds: Signature, signer: Digest, sealed: SealedBody }),
  v.strictObject({ type: v.literal('PIUnsigned'), sealed: SealedBody }),
]);
export type PI = v.InferOutput<typeof PI>;
export const MAX_PI_BYTES = MAX_SEALED_BYTES + 1024;

export const PReqBody = v.strictObject({
  pi: b64uMax(MAX_PI_BYTES),
  oi: v.strictObject({ oiData: b64uMax(8 * 1024), hPIData: v.optional(Digest) }),
});

export interface Card {
  pan: string;
  expiry: string;
  cardSecret: Uint8Array;
  panSecret: Uint8Array;
}

export interface CardholderSigner {
  privateKey: Uint8Array;
  /** Cardholder certificate first, then its CAs. */
  chain: ParsedCertificate[];
}

export interface BuiltPReq {
  wire: Wire<'PReq'>;
  oiData: OIData;
  piData: PIData;
  /** The acquirer back-key's private half, kept by the wallet to open an acquirer message in PRes. */
  acqBackPrivateKey?: Uint8Array;
}

/**
 * Wallet side. Builds a PReq from a verified PInitRes. With `cardholder` it is dual-signed;
 * without, it is the unsigned purchase (PANToken, no DS).
 */
export async function buildPReq(p: {
  pinit: VerifiedPInitRes;
  card: Card;
  cardholder?: CardholderSigner;
  bin: string;
  swIdent: string;
  acqBackKey?: Uint8Array;
  now?: Date;
}): Promise<BuiltPReq> {
  const res = p.pinit.content;
  const merchantCert = p.pinit.merchant.chain[0]!;
  const gatewayCert = p.pinit.gateway.chain[0]!;
  const merchantId = merchantCert.merchantData?.merchantId;
  if (!merchantId) fail('invalidCertificate', 'the merchant certificate carries no merchant ID');
  const hodValue = b64u(hod(res.od, res.purchAmt, fromB64u(res.odSalt), res.installRecurData));
  const oiData: OIData = {
    type: 'OIData',
    transIds: res.transIds,
    rrpid: b64u(randomNonce()),
    date: (p.now ?? new Date()).toISOString(),
    challC: res.challC,
    challM: res.challM,
    hod: hodValue,
    odSalt: res.odSalt,
    brandId: res.brandId,
    bin: p.bin,
  };
  const piHead: PIHead = {
    transIds: res.transIds,
    purchAmt: res.purchAmt,
    hod: hodValue,
    merchantId,
    pgThumb: b64u(gatewayCert.thumbprint),
    transStain: b64u(hmacSha256(p.card.cardSecret, fromB64u(res.transIds.xid))),
    swIdent: p.swIdent,
    ...(p.acqBackKey ? { acqBackKey: b64u(p.acqBackKey) } : {}),
    ...(res.installRecurData ? { installRecurData: res.installRecurData } : {}),
  };
  const exNonce = b64u(randomNonce());
  const piData: PIData = p.cardholder
    ? {
        type: 'PIData',
        piHead,
        panData: { pan: p.card.pan, expiry: p.card.expiry, panSecret: b64u(p.card.panSecret), exNonce },
      }
    : { type: 'PIDataUnsigned', piHead, panToken: { pan: p.card.pan, expiry: p.card.expiry, exNonce } };
  const oiBytes = jsonBytes(oiData);
  const piDataBytes = jsonBytes(piData);
  const hOIData = sha256(oiBytes);
  const hPIData = sha256(piDataBytes);
  const sealed = await sealTo(gatewayCert, piData.type, piDataBytes, hOIData);
  const pi: PI = p.cardholder
    ? {
        type: 'PIDualSigned',
        ds: b64u(await dualSign(hPIData, hOIData, p.cardholder.privateKey)),
        signer: b64u(p.cardholder.chain[0]!.thumbprint),
        sealed,
      }
    : { type: 'PIUnsigned', sealed };
  const body = {
    pi: b64u(jsonBytes(pi)),
    oi: p.cardholder ? { oiData: b64u(oiBytes), hPIData: b64u(hPIData) } : { oiData: b64u(oiBytes) },
  };
  const wire = makeWire('PReq', headerFor(oiData), body, {
    certs: p.cardholder ? carriedCerts([p.cardholder.chain]) : [],
  });
  return { wire, oiData, piData };
}

/** What the merchant remembers of a PInitRes it sent, to check the PReq against. */
export interface PendingOrder {
  transIds: { lidC: string; lidM: string; xid: string; pReqDate: string; language: string };
  challC: string;
  challM: string;
  hod: string;
  brandId: string;
}

export interface VerifiedPReq {
  oiData: OIData;
  /** The PI bytes to forward to the gateway unchanged. */
  piBytes: Uint8Array;
  pi: PI;
  hOIData: Uint8Array;
  /** Present for a dual-signed PReq. */
  cardholder?: ValidatedPath;
  /** The cardholder chain, to pass on to the gateway. */
  certs: string[];
}

/**
 * Merchant side. Checks, in order: wrapper and header, the cardholder chain and the dual signature
 * over (H(PIData), H(OIData)), then OIData against the pending order: XID, Chall-M, Chall-C, HOD.
 * `pendingFor` returns (or resolves with) the pending order for an XID, or undefined (unknownXID):
 * a merchant may read its order while the signatures are checked.
 */
export async function verifyPReq(
  input: string | Uint8Array,
  pendingFor: (xid: string) => PendingOrder | undefined | Promise<PendingOrder | undefined>,
  ctx: VerifyContext,
  opts: { acceptUnsigned?: boolean } = {},
): Promise<VerifiedPReq> {
  const wire = decodeWireOf(input, 'PReq');
  const body = parseWith(PReqBody, wire.body, 'PReq.body');
  const piBytes = fromB64u(body.pi, 'PReq.pi');
  const pi = parseContent(piBytes, PI, 'PI');
  const oiBytes = fromB64u(body.oi.oiData, 'OIData');
  const hOIData = sha256(oiBytes);
  let cardholder: ValidatedPath | undefined;
  if (pi.type === 'PIDualSigned') {
    if (!body.oi.hPIData) fail('signatureRequired', 'a dual-signed PI needs H(PIData) beside the OIData');
    ctx.trust.addEncoded(wire.certs);
    cardholder = await ctx.trust.verify(
      fromB64u(pi.signer, 'PI.signer'),
      { types: ['cardholder'], keyRole: 'signature' },
      ctx.clock,
    );
    await verifyDualSignature(
      fromB64u(pi.ds, 'PI.ds'),
      fromB64u(body.oi.hPIData, 'hPIData'),
      hOIData,
      // The key imported once per parsed certificate: a returning cardholder's path is cached.
      await verifyKeyOf(cardholder.chain[0]!),
      'OIData',
    );
  } else if (!opts.acceptUnsigned) {
    fail('signatureRequired', 'this merchant accepts only dual-signed purchases');
  }
  const oiData = parseContent(oiBytes, OIData, 'OIData');
  checkHeader(wire, oiData);
  checkDate(oiData.date, ctx.clock, 'PReq');
  const pending = await pendingFor(oiData.transIds.xid);
  if (!pending) fail('unknownXID', 'PReq names an XID this merchant has no open order for');
  if (!constantTimeEqualB64(oiData.challM, pending.challM))
    fail('challengeMismatch', 'PReq does not carry our Chall-M');
  if (oiData.challC !== pending.challC)
    fail('challengeMismatch', 'PReq carries another Chall-C than PInitRes');
  const t = oiData.transIds;
  const e = pending.transIds;
  if (t.lidC !== e.lidC || t.lidM !== e.lidM || t.pReqDate !== e.pReqDate || t.language !== e.language) {
    fail('badMessageHeader', 'PReq TransIDs differ from those in PInitRes');
  }
  if (oiData.brandId !== pending.brandId) fail('badMessageHeader', 'PReq names another brand than PInitRes');
  if (!constantTimeEqualB64(oiData.hod, pending.hod)) {
    fail('signatureFailure', 'the order digest (HOD) the cardholder signed is not this order’s');
  }
  return { oiData, piBytes, pi, hOIData, ...(cardholder ? { cardholder } : {}), certs: wire.certs ?? [] };
}

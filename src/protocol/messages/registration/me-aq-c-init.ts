/**
 * Me-AqCInitReq → Me-AqCInitRes (SET Book 2 "Merchant/Acquirer certificate initiation"; SET-PROFILE
 * §4 Cardholder registration 4). A merchant asks its brand's MCA, a payment gateway its PCA, for
 * the CA's certificates and registration form. The request is plain; the response is signed by
 * the CA and carries Chall-CA, the form, and the thumbprint of the CA key-exchange certificate
 * that CertReq is sealed to. There is no RegForm exchange: no card number needs protecting.
 */
import * as v from 'valibot';
import { b64u } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import type { ParsedCertificate } from '../../pki/types.ts';
import { randomNonce } from '../../primitives/hash.ts';
import { BrandId, Digest, Label, Language, Nonce, Thumbs, Timestamp } from '../fields.ts';
import { headerFor } from '../header.ts';
import { receivePlain, receiveSigned } from '../receive.ts';
import { plainBody, type Signer } from '../signed.ts';
import { signedMessage } from '../signed-message.ts';
import type { VerifyContext } from '../trust.ts';
import { type Clock, makeWire, type Wire } from '../wire.ts';
import { randomLabel, type VerifiedCaInit, verifyCaKeyExchange } from './card-c-init.ts';
import { caTypeFor } from './cert-req.ts';
import { RegForm } from './reg-form-schema.ts';

export const MeAqRequestType = v.picklist(['merchant', 'gateway']);
export type MeAqRequestType = v.InferOutput<typeof MeAqRequestType>;

export const MeAqCInitReqContent = v.strictObject({
  type: v.literal('Me-AqCInitReq'),
  date: Timestamp,
  rrpid: Nonce,
  lidEE: Label,
  challEE: Nonce,
  requestType: MeAqRequestType,
  brandId: BrandId,
  language: Language,
  thumbs: Thumbs,
});
export type MeAqCInitReqContent = v.InferOutput<typeof MeAqCInitReqContent>;

export const MeAqCInitResContent = v.strictObject({
  type: v.literal('Me-AqCInitRes'),
  date: Timestamp,
  rrpid: Nonce,
  lidEE: Label,
  lidCA: Label,
  challEE: Nonce,
  challCA: Nonce,
  /** Thumbprint of the MCA/PCA key-exchange certificate that CertReq is sealed to. */
  caKxThumb: Digest,
  regForm: RegForm,
});
export type MeAqCInitResContent = v.InferOutput<typeof MeAqCInitResContent>;

/** Merchant or gateway side. */
export function buildMeAqCInitReq(p: {
  requestType: MeAqRequestType;
  brandId: string;
  lidEE?: string;
  language?: string;
  thumbs?: string[];
  now?: Date;
}): { wire: Wire<'Me-AqCInitReq'>; content: MeAqCInitReqContent } {
  const content: MeAqCInitReqContent = {
    type: 'Me-AqCInitReq',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    lidEE: p.lidEE ?? randomLabel(),
    challEE: b64u(randomNonce()),
    requestType: p.requestType,
    brandId: p.brandId,
    language: p.language ?? 'en',
    thumbs: p.thumbs ?? [],
  };
  return { wire: makeWire('Me-AqCInitReq', headerFor(content), plainBody(content)), content };
}

/** MCA/PCA side: parses a Me-AqCInitReq. */
export function parseMeAqCInitReq(input: string | Uint8Array, clock: Clock): MeAqCInitReqContent {
  return receivePlain(input, 'Me-AqCInitReq', MeAqCInitReqContent, clock);
}

/**
 * MCA/PCA side. `caKeyExchange` is the CA key-exchange certificate's chain, leaf first. Keep
 * `content` (LID-EE, LID-CA, Chall-CA, the form) to check the CertReq against.
 */
export async function buildMeAqCInitRes(p: {
  req: MeAqCInitReqContent;
  ca: Signer & { chain: ParsedCertificate[] };
  caKeyExchange: ParsedCertificate[];
  regForm: RegForm;
  lidCA?: string;
  now?: Date;
}): Promise<{ wire: Wire<'Me-AqCInitRes'>; content: MeAqCInitResContent }> {
  const content: MeAqCInitResContent = {
    type: 'Me-AqCInitRes',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.req.rrpid,
    lidEE: p.req.lidEE,
    lidCA: p.lidCA ?? randomLabel(),
    challEE: p.req.challEE,
    challCA: b64u(randomNonce()),
    caKxThumb: b64u(p.caKeyExchange[0]!.thumbprint),
    regForm: p.regForm,
  };
  const wire = await signedMessage('Me-AqCInitRes', content, p.ca, {
    chains: [p.caKeyExchange],
    peerThumbs: p.req.thumbs,
  });
  return { wire, content };
}

export type VerifiedMeAqCInitRes = VerifiedCaInit<MeAqCInitResContent>;

/**
 * Merchant or gateway side: the CA's chain (an MCA for a merchant, a PCA for a gateway) and
 * signature, the echoed RRPID, LID-EE and Chall-EE, the date, then the CA key-exchange certificate.
 */
export async function verifyMeAqCInitRes(
  input: string | Uint8Array,
  req: MeAqCInitReqContent,
  ctx: VerifyContext,
): Promise<VerifiedMeAqCInitRes> {
  const missing = req.thumbs.length ? 'thumbsMismatch' : 'missingCertificate';
  const caType = caTypeFor(req.requestType);
  const { content, path } = await receiveSigned(
    input,
    'Me-AqCInitRes',
    MeAqCInitResContent,
    ctx,
    { types: [caType], keyRole: 'signature' },
    { missing },
  );
  if (content.rrpid !== req.rrpid)
    fail('unknownRRPID', 'Me-AqCInitRes answers a different Me-AqCInitReq (RRPID)');
  if (content.challEE !== req.challEE) fail('challengeMismatch', 'Me-AqCInitRes does not echo our Chall-EE');
  if (content.lidEE !== req.lidEE)
    fail('badMessageHeader', 'Me-AqCInitRes names another LID-EE than we sent');
  const caKeyExchange = await verifyCaKeyExchange(content.caKxThumb, path, caType, ctx, missing);
  if (path.brandId !== req.brandId)
    fail('invalidCertificate', `the CA is of brand "${path.brandId}", not "${req.brandId}"`);
  return { content, ca: path, caKeyExchange };
}

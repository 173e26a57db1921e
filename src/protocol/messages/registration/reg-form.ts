/**
 * RegFormReq → RegFormRes (SET Book 2 "Registration form request/response"; SET-PROFILE §4
 * Cardholder registration 2). The wallet sends {PAN, EXNonce} sealed to the CCA's key-exchange
 * certificate; it has no certificate yet, so nothing is signed. The CCA answers, signed, with the
 * issuer's registration form and a fresh Chall-CA, or with a referral.
 */
import * as v from 'valibot';
import { b64u, jsonBytes } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import type { ParsedCertificate, ValidatedPath } from '../../pki/types.ts';
import { randomNonce } from '../../primitives/hash.ts';
import { BrandId, Label, Language, Nonce, Pan, parseWith, Timestamp } from '../fields.ts';
import { checkHeader, headerFor } from '../header.ts';
import { receiveSigned } from '../receive.ts';
import { openSealed, type Recipient, SealedBody, sealTo } from '../sealed.ts';
import { parseContent, type Signer } from '../signed.ts';
import { signedMessage } from '../signed-message.ts';
import type { VerifyContext } from '../trust.ts';
import { type Clock, checkDate, decodeWireOf, makeWire, type Wire } from '../wire.ts';
import type { VerifiedCardCInitRes } from './card-c-init.ts';
import { Referral, RegForm } from './reg-form-schema.ts';

export const RegFormReqData = v.strictObject({
  type: v.literal('RegFormReqData'),
  date: Timestamp,
  rrpid: Nonce,
  lidEE: Label,
  lidCA: Label,
  challEE2: Nonce,
  brandId: BrandId,
  language: Language,
  /**
   * SET's RequestType for the form: a first registration, or the renewal of a card's certificate
   * (the CCA may ask less: the CertReq that follows is co-signed by the current certificate).
   */
  regFormType: v.picklist(['cardholder', 'cardholderRenewal']),
  /** SET's PANOnly: the card number, salted with EXNonce against guessing it from the ciphertext length. */
  panOnly: v.strictObject({ pan: Pan, exNonce: Nonce }),
});
export type RegFormReqData = v.InferOutput<typeof RegFormReqData>;

export const RegFormResContent = v.pipe(
  v.strictObject({
    type: v.literal('RegFormRes'),
    date: Timestamp,
    rrpid: Nonce,
    lidEE: Label,
    lidCA: Label,
    challEE2: Nonce,
    challCA: Nonce,
    regForm: v.optional(RegForm),
    /** Where to register instead, when this CCA does not register this card (SET's ReferralData). */
    referral: v.optional(Referral),
  }),
  v.check(
    (c) => (c.regForm === undefined) !== (c.referral === undefined),
    'carries exactly one of regForm and referral',
  ),
);
export type RegFormResContent = v.InferOutput<typeof RegFormResContent>;

export const RegFormReqBody = v.strictObject({ sealed: SealedBody });
export type RegFormReqBody = v.InferOutput<typeof RegFormReqBody>;

/** Wallet side: seals RegFormReqData to the CCA key-exchange certificate named in CardCInitRes. */
export async function buildRegFormReq(p: {
  init: VerifiedCardCInitRes;
  pan: string;
  language?: string;
  /** Ask for the renewal form (CertReq will renew the card's current certificate). */
  renewal?: boolean;
  now?: Date;
}): Promise<{
  wire: Wire<'RegFormReq', RegFormReqBody>;
  content: RegFormReqData;
}> {
  const init = p.init.content;
  const content: RegFormReqData = {
    type: 'RegFormReqData',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    lidEE: init.lidEE,
    lidCA: init.lidCA,
    challEE2: b64u(randomNonce()),
    brandId: p.init.ca.brandId,
    language: p.language ?? 'en',
    regFormType: p.renewal ? 'cardholderRenewal' : 'cardholder',
    panOnly: { pan: p.pan, exNonce: b64u(randomNonce()) },
  };
  const body = { sealed: await sealTo(p.init.caKeyExchange.chain[0]!, 'RegFormReq', jsonBytes(content)) };
  return { wire: makeWire('RegFormReq', headerFor(content), body), content };
}

/**
 * CCA side: opens a RegFormReq with the CCA key-exchange key. The caller looks up LID-CA and
 * chooses the form for the card's issuer.
 */
export async function openRegFormReq(
  input: string | Uint8Array,
  ca: Recipient,
  clock: Clock,
): Promise<RegFormReqData> {
  const wire = decodeWireOf(input, 'RegFormReq');
  const body = parseWith(RegFormReqBody, wire.body, 'RegFormReq.body');
  const bytes = await openSealed(body.sealed, ca, 'RegFormReq');
  const content = parseContent(bytes, RegFormReqData, 'RegFormReq');
  checkHeader(wire, content);
  checkDate(content.date, clock, 'RegFormReq');
  return content;
}

/** CCA side: exactly one of `regForm` and `referral`. Keep `content.challCA` for the CertReq. */
export async function buildRegFormRes(p: {
  req: RegFormReqData;
  ca: Signer & { chain: ParsedCertificate[] };
  answer: { regForm: RegForm } | { referral: string };
  now?: Date;
}): Promise<{ wire: Wire<'RegFormRes'>; content: RegFormResContent }> {
  const content: RegFormResContent = {
    type: 'RegFormRes',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.req.rrpid,
    lidEE: p.req.lidEE,
    lidCA: p.req.lidCA,
    challEE2: p.req.challEE2,
    challCA: b64u(randomNonce()),
    ...p.answer,
  };
  const wire = await signedMessage('RegFormRes', content, p.ca);
  return { wire, content };
}

export interface VerifiedRegFormRes {
  content: RegFormResContent;
  ca: ValidatedPath;
}

/**
 * Wallet side: the CCA's signature, then the echoes. Only the holder of the CCA key-exchange key
 * read Chall-EE2, so its echo also shows the response comes from the CA the request was sealed to.
 */
export async function verifyRegFormRes(
  input: string | Uint8Array,
  req: RegFormReqData,
  ctx: VerifyContext,
): Promise<VerifiedRegFormRes> {
  const { content, path } = await receiveSigned(input, 'RegFormRes', RegFormResContent, ctx, {
    types: ['cardholder-ca'],
    keyRole: 'signature',
  });
  if (content.rrpid !== req.rrpid) fail('unknownRRPID', 'RegFormRes answers a different RegFormReq (RRPID)');
  if (content.challEE2 !== req.challEE2) fail('challengeMismatch', 'RegFormRes does not echo our Chall-EE2');
  if (content.lidEE !== req.lidEE || content.lidCA !== req.lidCA) {
    fail('badMessageHeader', 'RegFormRes names other LID-EE/LID-CA than we sent');
  }
  if (path.brandId !== req.brandId)
    fail('invalidCertificate', `the CCA is of brand "${path.brandId}", not "${req.brandId}"`);
  return { content, ca: path };
}

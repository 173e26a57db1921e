/**
 * CardCInitReq → CardCInitRes (SET Book 2 "Cardholder certificate initiation"; SET-PROFILE §4
 * Cardholder registration 1). The wallet asks a brand's CCA for its certificates. The request is
 * plain; the response is signed by the CCA and names, by thumbprint, the CCA key-exchange
 * certificate that RegFormReq and CertReq are sealed to.
 */
import * as v from 'valibot';
import { b64u, fromB64u } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import type { ParsedCertificate, ValidatedPath } from '../../pki/types.ts';
import { randomBytes, randomNonce } from '../../primitives/hash.ts';
import { BrandId, Digest, Label, Nonce, Thumbs, Timestamp } from '../fields.ts';
import { headerFor } from '../header.ts';
import { receivePlain, receiveSigned } from '../receive.ts';
import { plainBody, type Signer } from '../signed.ts';
import { signedMessage } from '../signed-message.ts';
import type { VerifyContext } from '../trust.ts';
import { type Clock, makeWire, type Wire } from '../wire.ts';

export const CardCInitReqContent = v.strictObject({
  type: v.literal('CardCInitReq'),
  date: Timestamp,
  rrpid: Nonce,
  lidEE: Label,
  challEE: Nonce,
  brandId: BrandId,
  thumbs: Thumbs,
});
export type CardCInitReqContent = v.InferOutput<typeof CardCInitReqContent>;

export const CardCInitResContent = v.strictObject({
  type: v.literal('CardCInitRes'),
  date: Timestamp,
  rrpid: Nonce,
  lidEE: Label,
  challEE: Nonce,
  lidCA: Label,
  /** Thumbprint of the CCA key-exchange certificate that RegFormReq and CertReq are sealed to. */
  caKxThumb: Digest,
});
export type CardCInitResContent = v.InferOutput<typeof CardCInitResContent>;

/** A fresh local label (LID-EE, LID-CA): 16 random bytes, base64url. */
export function randomLabel(): string {
  return b64u(randomBytes(16));
}

/** Wallet side. */
export function buildCardCInitReq(p: { brandId: string; lidEE?: string; thumbs?: string[]; now?: Date }): {
  wire: Wire<'CardCInitReq'>;
  content: CardCInitReqContent;
} {
  const content: CardCInitReqContent = {
    type: 'CardCInitReq',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    lidEE: p.lidEE ?? randomLabel(),
    challEE: b64u(randomNonce()),
    brandId: p.brandId,
    thumbs: p.thumbs ?? [],
  };
  return { wire: makeWire('CardCInitReq', headerFor(content), plainBody(content)), content };
}

/** CCA side: parses a CardCInitReq. */
export function parseCardCInitReq(input: string | Uint8Array, clock: Clock): CardCInitReqContent {
  return receivePlain(input, 'CardCInitReq', CardCInitReqContent, clock);
}

/** CCA side. `caKeyExchange` is the CCA key-exchange certificate's chain, leaf first. */
export async function buildCardCInitRes(p: {
  req: CardCInitReqContent;
  ca: Signer & { chain: ParsedCertificate[] };
  caKeyExchange: ParsedCertificate[];
  lidCA?: string;
  now?: Date;
}): Promise<{ wire: Wire<'CardCInitRes'>; content: CardCInitResContent }> {
  const content: CardCInitResContent = {
    type: 'CardCInitRes',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.req.rrpid,
    lidEE: p.req.lidEE,
    challEE: p.req.challEE,
    lidCA: p.lidCA ?? randomLabel(),
    caKxThumb: b64u(p.caKeyExchange[0]!.thumbprint),
  };
  const wire = await signedMessage('CardCInitRes', content, p.ca, {
    chains: [p.caKeyExchange],
    peerThumbs: p.req.thumbs,
  });
  return { wire, content };
}

export interface VerifiedCaInit<C> {
  content: C;
  /** The CA's signature certificate path. */
  ca: ValidatedPath;
  /** The CA's key-exchange certificate path: what the next requests are sealed to. */
  caKeyExchange: ValidatedPath;
}
export type VerifiedCardCInitRes = VerifiedCaInit<CardCInitResContent>;

/**
 * Wallet side: verifies a CardCInitRes against the CardCInitReq it sent: the CCA's chain and
 * signature, the echoed RRPID, LID-EE and Chall-EE, the date, then the CCA key-exchange
 * certificate, which must belong to the same CA of the brand asked for.
 */
export async function verifyCardCInitRes(
  input: string | Uint8Array,
  req: CardCInitReqContent,
  ctx: VerifyContext,
): Promise<VerifiedCardCInitRes> {
  const missing = req.thumbs.length ? 'thumbsMismatch' : 'missingCertificate';
  const { content, path } = await receiveSigned(
    input,
    'CardCInitRes',
    CardCInitResContent,
    ctx,
    { types: ['cardholder-ca'], keyRole: 'signature' },
    { missing },
  );
  if (content.rrpid !== req.rrpid)
    fail('unknownRRPID', 'CardCInitRes answers a different CardCInitReq (RRPID)');
  if (content.challEE !== req.challEE) fail('challengeMismatch', 'CardCInitRes does not echo our Chall-EE');
  if (content.lidEE !== req.lidEE) fail('badMessageHeader', 'CardCInitRes names another LID-EE than we sent');
  const caKeyExchange = await verifyCaKeyExchange(content.caKxThumb, path, 'cardholder-ca', ctx, missing);
  if (path.brandId !== req.brandId)
    fail('invalidCertificate', `the CCA is of brand "${path.brandId}", not "${req.brandId}"`);
  return { content, ca: path, caKeyExchange };
}

/**
 * Validates the CA key-exchange certificate named by `thumb` and checks it is the signing CA's
 * own (SET Book 2 "Certificate Management": a CA's signature and key-exchange certificates name
 * the same subject under the same brand).
 */
export async function verifyCaKeyExchange(
  thumb: string,
  ca: ValidatedPath,
  type: 'cardholder-ca' | 'merchant-ca' | 'gateway-ca',
  ctx: VerifyContext,
  missing: 'missingCertificate' | 'thumbsMismatch',
): Promise<ValidatedPath> {
  const kx = await ctx.trust.verify(
    fromB64u(thumb, 'caKxThumb'),
    { types: [type], keyRole: 'key-exchange' },
    ctx.clock,
    missing,
  );
  if (kx.brandId !== ca.brandId || kx.chain[0]!.subjectDn !== ca.chain[0]!.subjectDn) {
    fail(
      'invalidCertificate',
      'the key-exchange certificate named belongs to another CA than the one that signed',
    );
  }
  return kx;
}

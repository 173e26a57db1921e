/**
 * PCertReq → PCertRes (SET Book 2 "Payment Gateway Certificate Request"; SET-PROFILE §6): a
 * merchant asks the payment gateway for its current certificates, the signature certificate that
 * signs AuthRes and the key-exchange certificate requests are sealed to, for one brand. Neither
 * is sealed (the merchant does not yet know the key to seal to, and certificates are public); both
 * are signed. The merchant signs with its signature certificate, so the gateway answers merchants
 * only; the gateway signs the answer, names both certificates by thumbprint, and carries their
 * chains (less those the merchant listed in `thumbs`).
 *
 * The merchant checks: the gateway's chain to a trusted root and its signature, the echoed RRPID,
 * that the signer is the signature certificate named, that the key-exchange certificate named is
 * a gateway key-exchange certificate of the same gateway (subject) and brand, and the dates.
 */
import * as v from 'valibot';
import { b64u, fromB64u } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import type { ParsedCertificate, ValidatedPath } from '../../pki/types.ts';
import { randomNonce } from '../../primitives/hash.ts';
import { BrandId, Digest, Nonce, Thumbs, Timestamp } from '../fields.ts';
import { receiveSigned } from '../receive.ts';
import { signedMessage } from '../signed-message.ts';
import type { VerifyContext } from '../trust.ts';
import type { Wire, WireInput } from '../wire.ts';
import { gatewaySignature, merchantSignature, type SignedSender } from './exchange.ts';

export const PCertReqContent = v.strictObject({
  type: v.literal('PCertReq'),
  date: Timestamp,
  rrpid: Nonce,
  brandId: BrandId,
  /** Thumbprints of the certificates the merchant holds: the gateway leaves them out of `certs`. */
  thumbs: Thumbs,
});
export type PCertReqContent = v.InferOutput<typeof PCertReqContent>;

export const PCertResContent = v.strictObject({
  type: v.literal('PCertRes'),
  date: Timestamp,
  rrpid: Nonce,
  brandId: BrandId,
  /** The gateway's current signature certificate (the signer of this message). */
  sigThumb: Digest,
  /** The gateway's current key-exchange certificate: seal requests to it. */
  kxThumb: Digest,
});
export type PCertResContent = v.InferOutput<typeof PCertResContent>;

/** Merchant side. */
export async function buildPCertReq(p: {
  merchant: SignedSender;
  brandId: string;
  thumbs?: string[];
  now?: Date;
}): Promise<{ wire: Wire<'PCertReq'>; content: PCertReqContent }> {
  const content: PCertReqContent = {
    type: 'PCertReq',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    brandId: p.brandId,
    thumbs: p.thumbs ?? [],
  };
  const wire = await signedMessage('PCertReq', content, p.merchant);
  return { wire, content };
}

/** Gateway side: the merchant's chain (a merchant signature certificate) and signature, then the content. */
export async function verifyPCertReq(
  input: WireInput,
  ctx: VerifyContext,
): Promise<{ content: PCertReqContent; merchant: ValidatedPath }> {
  const { content, path } = await receiveSigned(input, 'PCertReq', PCertReqContent, ctx, merchantSignature);
  if (path.brandId !== content.brandId) {
    fail('invalidCertificate', `the merchant is of brand "${path.brandId}", not "${content.brandId}"`);
  }
  return { content, merchant: path };
}

/** Gateway side: `signature` and `keyExchange` are the gateway's chains, leaf first. */
export async function buildPCertRes(p: {
  req: PCertReqContent;
  signature: SignedSender;
  keyExchange: ParsedCertificate[];
  now?: Date;
}): Promise<{ wire: Wire<'PCertRes'>; content: PCertResContent }> {
  const content: PCertResContent = {
    type: 'PCertRes',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.req.rrpid,
    brandId: p.req.brandId,
    sigThumb: b64u(p.signature.certificate.thumbprint),
    kxThumb: b64u(p.keyExchange[0]!.thumbprint),
  };
  const wire = await signedMessage('PCertRes', content, p.signature, {
    chains: [p.keyExchange],
    peerThumbs: p.req.thumbs,
  });
  return { wire, content };
}

export interface VerifiedPCertRes {
  content: PCertResContent;
  signature: ValidatedPath;
  keyExchange: ValidatedPath;
}

/** Merchant side. */
export async function verifyPCertRes(
  input: WireInput,
  req: PCertReqContent,
  ctx: VerifyContext,
): Promise<VerifiedPCertRes> {
  const missing = req.thumbs.length ? 'thumbsMismatch' : 'missingCertificate';
  const { content, path } = await receiveSigned(input, 'PCertRes', PCertResContent, ctx, gatewaySignature, {
    missing,
  });
  if (content.rrpid !== req.rrpid) fail('unknownRRPID', 'PCertRes answers another PCertReq (RRPID)');
  if (content.brandId !== req.brandId || path.brandId !== req.brandId) {
    fail('invalidCertificate', `the gateway answered for brand "${path.brandId}", not "${req.brandId}"`);
  }
  if (b64u(path.chain[0]!.thumbprint) !== content.sigThumb) {
    fail('invalidCertificate', 'PCertRes is signed by another certificate than the one it names');
  }
  const keyExchange = await ctx.trust.verify(
    fromB64u(content.kxThumb, 'kxThumb'),
    { types: ['gateway'], keyRole: 'key-exchange' },
    ctx.clock,
    missing,
  );
  if (keyExchange.brandId !== path.brandId || keyExchange.chain[0]!.subjectDn !== path.chain[0]!.subjectDn) {
    fail(
      'invalidCertificate',
      'the key-exchange certificate named belongs to another gateway than the one that signed',
    );
  }
  return { content, signature: path, keyExchange };
}

/**
 * BrandCRLIdentifier (SET Book 2 "BrandCRLIdentifier"; SET-PROFILE §1 Revocation): a list, signed
 * by the brand CA, of the CRLs in force for the brand. Responses carry it (and its CRLs) when the
 * requester's thumbprints show it is missing; its thumbprint is SHA-256 of its content bytes.
 */
import * as v from 'valibot';
import { b64u, fromB64u } from '../encoding.ts';
import { fail, SetError } from '../errors.ts';
import type { ParsedCrl, ValidatedPath } from '../pki/types.ts';
import { sha256 } from '../primitives/hash.ts';
import { BrandId, Digest, parseWith, Timestamp } from './fields.ts';
import { SignedBody, type Signer, signContent, verifySigned } from './signed.ts';
import type { VerifyContext } from './trust.ts';
import { encodeWire, WIRE_LIMITS, type Wire } from './wire.ts';

export const BrandCrlIdentifierContent = v.strictObject({
  type: v.literal('BrandCRLIdentifier'),
  date: Timestamp,
  brandId: BrandId,
  sequence: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  nextUpdate: Timestamp,
  /** Thumbprints (SHA-256 of the DER) of the CRLs in force. */
  crls: v.pipe(v.array(Digest), v.maxLength(64)),
});
export type BrandCrlIdentifierContent = v.InferOutput<typeof BrandCrlIdentifierContent>;

export async function buildBrandCrlIdentifier(p: {
  brandCa: Signer;
  brandId: string;
  sequence: number;
  crls: ParsedCrl[];
  nextUpdate: Date;
  now?: Date;
}): Promise<SignedBody> {
  return await signContent(
    {
      type: 'BrandCRLIdentifier',
      date: (p.now ?? new Date()).toISOString(),
      brandId: p.brandId,
      sequence: p.sequence,
      nextUpdate: p.nextUpdate.toISOString(),
      crls: p.crls.map((c) => b64u(c.thumbprint)),
    },
    p.brandCa,
  );
}

export function brandCrlIdentifierThumb(bci: SignedBody): string {
  return b64u(sha256(fromB64u(bci.content)));
}

/**
 * Verifies a BrandCRLIdentifier and that every CRL it lists is held by the trust store (offer the
 * message's CRLs first). Returns the content and the brand CA path.
 */
export async function verifyBrandCrlIdentifier(
  bci: unknown,
  ctx: VerifyContext,
): Promise<{ content: BrandCrlIdentifierContent; path: ValidatedPath }> {
  const body = parseWith(SignedBody, bci, 'BrandCRLIdentifier');
  const { content, path } = await verifySigned(
    body,
    BrandCrlIdentifierContent,
    'BrandCRLIdentifier',
    ctx.trust,
    { types: ['brand-ca'], keyRole: 'signature' },
    ctx.clock,
  );
  if (content.brandId !== path.brandId)
    fail('invalidCertificate', 'the BrandCRLIdentifier is signed by another brand');
  if (Date.parse(content.nextUpdate) < ctx.clock.now.getTime()) {
    fail('messageTooOld', 'the BrandCRLIdentifier is past its next update');
  }
  const held = ctx.trust.heldCrlThumbs();
  for (const t of content.crls) {
    if (!held.has(t)) fail('missingCertificate', 'a CRL listed in the BrandCRLIdentifier was not supplied');
  }
  return { content, path };
}

/** What a responder attaches: the brand's BrandCRLIdentifier and the CRLs in force. */
export interface RevocationInForce {
  bci: SignedBody;
  crls: readonly ParsedCrl[];
}

/** The thumbprints naming a BrandCRLIdentifier and CRLs: what a requester lists in `thumbs`. */
export function revocationThumbs(p: { bci?: SignedBody | undefined; crls: readonly ParsedCrl[] }): string[] {
  return [...(p.bci ? [brandCrlIdentifierThumb(p.bci)] : []), ...p.crls.map((c) => b64u(c.thumbprint))];
}

/**
 * Responder side (CardCInitRes, Me-AqCInitRes, PInitRes, PRes): attaches the BrandCRLIdentifier
 * and the CRLs in force when `held` (the requester's thumbs) shows it lacks the BrandCRLIdentifier,
 * leaving out the CRLs it holds (SET-PROFILE §1 "Revocation", §6), unless that would push the
 * message over its size limit.
 */
export function withRevocationInfo<W extends Wire>(
  wire: W,
  held: readonly string[],
  info: RevocationInForce | undefined,
): W {
  if (!info) return wire;
  const holds = new Set(held);
  if (holds.has(brandCrlIdentifierThumb(info.bci))) return wire;
  const crls = info.crls.filter((c) => !holds.has(b64u(c.thumbprint))).map((c) => b64u(c.der));
  const extended: W = { ...wire, bci: info.bci, ...(crls.length ? { crls } : {}) };
  return encodeWire(extended).length <= WIRE_LIMITS[wire.type] ? extended : wire;
}

/**
 * Requester side: the BrandCRLIdentifier of `brandId` to go by, among the one a message carried
 * and the one kept from before: of those that verify (brand CA signature, brand, not past its next
 * update, every CRL it lists held: offer the CRLs first), the one with the highest sequence.
 * Undefined when neither does: the requester cannot tell what is revoked.
 */
export async function currentBrandCrlIdentifier(
  candidates: readonly unknown[],
  brandId: string,
  ctx: VerifyContext,
): Promise<{ bci: SignedBody; content: BrandCrlIdentifierContent } | undefined> {
  let best: { bci: SignedBody; content: BrandCrlIdentifierContent } | undefined;
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    try {
      const { content } = await verifyBrandCrlIdentifier(candidate, ctx);
      if (content.brandId !== brandId) continue;
      if (!best || content.sequence > best.content.sequence) {
        best = { bci: parseWith(SignedBody, candidate, 'BrandCRLIdentifier'), content };
      }
    } catch (e) {
      if (!(e instanceof SetError)) throw e;
    }
  }
  return best;
}

/**
 * BrandCRLIdentifier (SET Book 2 "BrandCRLIdentifier"; SET-PROFILE §1 Revocation): a list, signed
 * by the brand CA, of the CRLs in force for the brand. Responses carry it (and its CRLs) when the
 * requester's thumbprints show it is missing; its thumbprint is SHA-256 of its content bytes.
 */
import * as v from 'valibot';
import { b64u, fromB64u } from '../encoding.ts';
import { fail } from '../errors.ts';
import type { ParsedCrl, ValidatedPath } from '../pki/types.ts';
import { sha256 } from '../primitives/hash.ts';
import { BrandId, Digest, parseWith, Timestamp } from './fields.ts';
import { SignedBody, type Signer, signContent, verifySigned } from './signed.ts';
import type { VerifyContext } from './trust.ts';

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

export function buildBrandCrlIdentifier(p: {
  brandCa: Signer;
  brandId: string;
  sequence: number;
  crls: ParsedCrl[];
  nextUpdate: Date;
  now?: Date;
}): SignedBody {
  return signContent(
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
 * Verifies a BrandCRLIdentifier and that every CRL it lists is held by the trust store (add the
 * message's CRLs first). Returns the content and the brand CA path.
 */
export function verifyBrandCrlIdentifier(
  bci: unknown,
  ctx: VerifyContext,
): { content: BrandCrlIdentifierContent; path: ValidatedPath } {
  const body = parseWith(SignedBody, bci, 'BrandCRLIdentifier');
  const { content, path } = verifySigned(
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
  const held = new Set(ctx.trust.crls.map((c) => b64u(c.thumbprint)));
  for (const t of content.crls) {
    if (!held.has(t)) fail('missingCertificate', 'a CRL listed in the BrandCRLIdentifier was not supplied');
  }
  return { content, path };
}

/**
 * Receiving a plain or signed SET/2 message: the checks every receiver makes in the same order
 * (SET-PROFILE §2, docs/protocol.md §1): wrapper and type, body shape, then for a signed message
 * the carried certificates, the signer's chain and the signature over the received bytes, then
 * the content's schema, the clear header against the content, and the date window. Echoes
 * (RRPID, challenges, XID) are the caller's, because only it knows what it sent.
 */
import type * as v from 'valibot';
import { b64u, constantTimeEqualB64 } from '../encoding.ts';
import { fail } from '../errors.ts';
import type { ValidatedPath } from '../pki/types.ts';
import { parseWith } from './fields.ts';
import { checkHeader, type HeaderSource } from './header.ts';
import { PlainBody, parsePlain, SignedBody, verifySigned } from './signed.ts';
import type { Expectation, VerifyContext } from './trust.ts';
import { type Clock, checkDate, decodeWireOf, type MessageType, type Wire, type WireInput } from './wire.ts';

type Content<S extends v.GenericSchema> = v.InferOutput<S> & HeaderSource;

/** The content of a decoded plain message. */
export function receivePlainBody<S extends v.GenericSchema>(wire: Wire, schema: S, clock: Clock): Content<S> {
  const body = parseWith(PlainBody, wire.body, `${wire.type}.body`);
  const { content } = parsePlain(body.content, schema, wire.type);
  const c = content as Content<S>;
  checkHeader(wire, c);
  checkDate(c.date, clock, wire.type);
  return c;
}

export interface SignedOptions {
  /** The code when the signer's certificate is absent: thumbsMismatch when our thumbs made the peer leave it out. */
  missing?: 'missingCertificate' | 'thumbsMismatch';
  /** The signer must be this certificate (PRes and InqRes come from the merchant of PInitRes). */
  signer?: Uint8Array;
}

/** The content and signer path of a decoded signed message. */
export async function receiveSignedBody<S extends v.GenericSchema>(
  wire: Wire,
  schema: S,
  ctx: VerifyContext,
  expect: Expectation,
  opts: SignedOptions = {},
): Promise<{ content: Content<S>; path: ValidatedPath }> {
  const body = parseWith(SignedBody, wire.body, `${wire.type}.body`);
  ctx.trust.addEncoded(wire.certs);
  // Carried CRLs count only once verified under their issuer (trust.ts), before the signer is judged.
  await ctx.trust.offerEncodedCrls(wire.crls, ctx.clock);
  if (opts.signer && !constantTimeEqualB64(body.signer, b64u(opts.signer))) {
    fail('invalidCertificate', `${wire.type} is signed by another certificate than expected`);
  }
  const { content, path } = await verifySigned(
    body,
    schema,
    wire.type,
    ctx.trust,
    expect,
    ctx.clock,
    opts.missing,
  );
  const c = content as Content<S>;
  checkHeader(wire, c);
  checkDate(c.date, ctx.clock, wire.type);
  return { content: c, path };
}

export function receivePlain<S extends v.GenericSchema>(
  input: WireInput,
  type: MessageType,
  schema: S,
  clock: Clock,
): Content<S> {
  return receivePlainBody(decodeWireOf(input, type), schema, clock);
}

export async function receiveSigned<S extends v.GenericSchema>(
  input: WireInput,
  type: MessageType,
  schema: S,
  ctx: VerifyContext,
  expect: Expectation,
  opts: SignedOptions = {},
): Promise<{ content: Content<S>; path: ValidatedPath }> {
  return await receiveSignedBody(decodeWireOf(input, type), schema, ctx, expect, opts);
}

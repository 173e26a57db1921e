/**
 * The merchant ↔ gateway transport (SET Book 2 "Payment"; SET-PROFILE §4 Payment): every request
 * and response is signed by its sender and then sealed to the receiver's key-exchange
 * certificate, S then E. Linked baggage (the PI in AuthReq) is carried beside the envelope and its
 * SHA-256 is the envelope's associated data (SET's EncB).
 */
import * as v from 'valibot';
import { b64u, fromB64u, jsonBytes } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import type { ParsedCertificate, ValidatedPath } from '../../pki/types.ts';
import { sha256 } from '../../primitives/hash.ts';
import { b64uMax, parseWith } from '../fields.ts';
import { checkHeader, type HeaderSource, headerFor } from '../header.ts';
import { openSealed, type Recipient, SealedBody, sealTo } from '../sealed.ts';
import { parseContent, SignedBody, type Signer, signContent, verifySigned } from '../signed.ts';
import { carriedCerts, type Expectation, type VerifyContext } from '../trust.ts';
import { checkDate, decodeWireOf, type MessageType, makeWire, type Wire, type WireInput } from '../wire.ts';

export const MAX_BAGGAGE_BYTES = 72 * 1024;

export const ExchangeBody = v.strictObject({
  sealed: SealedBody,
  baggage: v.optional(b64uMax(MAX_BAGGAGE_BYTES)),
});
export type ExchangeBody = v.InferOutput<typeof ExchangeBody>;

export interface SignedSender extends Signer {
  chain: ParsedCertificate[];
}

/** Signs `content`, seals the signed bytes to `to` (structure name = message type), attaches baggage. */
export async function buildExchange<T extends MessageType>(
  type: T,
  content: HeaderSource & { type: string },
  from: SignedSender,
  to: ParsedCertificate,
  opts: {
    baggage?: Uint8Array;
    extraChains?: ParsedCertificate[][];
    peerThumbs?: string[];
    extraCerts?: string[];
  } = {},
): Promise<Wire<T, ExchangeBody>> {
  const signed = await signContent(content, from);
  const aad = opts.baggage ? sha256(opts.baggage) : new Uint8Array(0);
  const body: ExchangeBody = { sealed: await sealTo(to, type, jsonBytes(signed), aad) };
  if (opts.baggage) body.baggage = b64u(opts.baggage);
  const certs = [
    ...carriedCerts([from.chain, ...(opts.extraChains ?? [])], opts.peerThumbs),
    ...(opts.extraCerts ?? []),
  ];
  return makeWire(type, headerFor(content), body, { certs: [...new Set(certs)] });
}

export interface OpenedExchange<T> {
  wire: Wire;
  content: T;
  sender: ValidatedPath;
  baggage?: Uint8Array;
}

/** Opens with our key-exchange key, verifies the sender's chain and signature, then the content. */
export async function openExchange<S extends v.GenericSchema>(
  input: WireInput,
  type: MessageType,
  schema: S,
  recipient: Recipient,
  expect: Expectation,
  ctx: VerifyContext,
): Promise<OpenedExchange<v.InferOutput<S>>> {
  const wire = decodeWireOf(input, type);
  const body = parseWith(ExchangeBody, wire.body, `${type}.body`);
  const baggage = body.baggage === undefined ? undefined : fromB64u(body.baggage, `${type}.baggage`);
  const aad = baggage ? sha256(baggage) : new Uint8Array(0);
  const signedBytes = await openSealed(body.sealed, recipient, type, aad);
  const signed = parseContent(signedBytes, SignedBody, `${type} signed data`);
  ctx.trust.addEncoded(wire.certs);
  const { content, path } = await verifySigned(signed, schema, type, ctx.trust, expect, ctx.clock);
  const c = content as HeaderSource;
  checkHeader(wire, c);
  checkDate(c.date, ctx.clock, type);
  return { wire, content, sender: path, ...(baggage ? { baggage } : {}) };
}

/** A response must answer the request it claims to: same RRPID and XID. */
export function checkAnswers(
  res: { rrpid: string; transIds: { xid: string } },
  req: { rrpid: string; transIds: { xid: string } },
  type: string,
): void {
  if (res.rrpid !== req.rrpid) fail('unknownRRPID', `${type} answers another request (RRPID)`);
  if (res.transIds.xid !== req.transIds.xid) fail('unknownXID', `${type} names another transaction (XID)`);
}

/**
 * Merchant side: opens a gateway's answer (AuthRes, CapRes, …) to `req`, signed by the gateway,
 * and checks that it answers that request (RRPID and XID).
 */
export async function openGatewayAnswer<S extends v.GenericSchema>(
  input: WireInput,
  type: MessageType,
  schema: S,
  req: { rrpid: string; transIds: { xid: string } },
  merchant: Recipient,
  ctx: VerifyContext,
): Promise<{ content: v.InferOutput<S>; gateway: ValidatedPath }> {
  const { content, sender } = await openExchange(input, type, schema, merchant, gatewaySignature, ctx);
  checkAnswers(content as { rrpid: string; transIds: { xid: string } }, req, type);
  return { content, gateway: sender };
}

export const merchantSignature: Expectation = { types: ['merchant'], keyRole: 'signature' };
export const gatewaySignature: Expectation = { types: ['gateway'], keyRole: 'signature' };

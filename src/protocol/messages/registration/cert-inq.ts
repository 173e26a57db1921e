/**
 * CertInqReq → CertInqRes (SET Book 2 "Certificate inquiry"): a requester asks how its CertReq
 * stands. A registration the CA left pending (CertRes with `status: "pending"`) finishes with the
 * decision; a CertRes lost in transit is had again, the same certificate every time, never a
 * second one.
 *
 * CertInqReq names the registration by LID-EE and LID-CA and is signed with the private key the
 * CertReq asked to certify (there is no certificate yet, as in CertReq's proof of possession):
 * only the requester can ask. It carries no secret, so it is not sealed. CertInqRes has CertRes's
 * form (CertInqResData, signed by the CA, encrypted under the CertReq's CABackKey) and echoes the
 * inquiry's RRPID and Chall-EE3.
 */
import * as v from 'valibot';
import { b64u, fromB64u } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import type { ParsedCertificate } from '../../pki/types.ts';
import { randomNonce } from '../../primitives/hash.ts';
import { Label, Nonce, parseWith, Signature, Timestamp } from '../fields.ts';
import { checkHeader, headerFor } from '../header.ts';
import { MAX_CONTENT_BYTES, parsePlain, type Signer, signWithKey, verifyWithKey } from '../signed.ts';
import type { VerifyContext } from '../trust.ts';
import { type Clock, checkDate, decodeWireOf, makeWire, type Wire } from '../wire.ts';
import {
  buildCertResult,
  type CardholderCertReqData,
  type CertInqResData,
  type CertReqData,
  type CertResBody,
  type CertResult,
  type VerifiedCertRes,
  verifyCardholderCertResult,
  verifyCertResult,
} from './cert-req.ts';

export const CertInqReqContent = v.strictObject({
  type: v.literal('CertInqReq'),
  date: Timestamp,
  rrpid: Nonce,
  lidEE: Label,
  lidCA: Label,
  /** Fresh: CertInqRes echoes it, so the answer is about this inquiry. */
  challEE3: Nonce,
});
export type CertInqReqContent = v.InferOutput<typeof CertInqReqContent>;

/** SignedData without a signer: the key is the one the CertReq named (`publicKey`). */
export const CertInqReqBody = v.strictObject({
  content: v.pipe(v.string(), v.maxLength(Math.ceil((MAX_CONTENT_BYTES * 4) / 3))),
  sig: Signature,
});

/** Requester side: asks about the CertReq `certReq`, signed with its new key. */
export async function buildCertInqReq(p: {
  certReq: Pick<CertReqData, 'lidEE' | 'lidCA'>;
  privateKey: Uint8Array;
  now?: Date;
}): Promise<{ wire: Wire<'CertInqReq'>; content: CertInqReqContent }> {
  const content: CertInqReqContent = {
    type: 'CertInqReq',
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    lidEE: p.certReq.lidEE,
    lidCA: p.certReq.lidCA,
    challEE3: b64u(randomNonce()),
  };
  const body = await signWithKey(content, p.privateKey);
  return { wire: makeWire('CertInqReq', headerFor(content), body), content };
}

/** CA side, first step: which registration the inquiry names (its clear LID-CA), unverified. */
export function certInqReqLidCA(input: string | Uint8Array): string {
  const wire = decodeWireOf(input, 'CertInqReq');
  if (!wire.hdr.lidCA) fail('badMessageHeader', 'CertInqReq names no LID-CA');
  return wire.hdr.lidCA;
}

/**
 * CA side: verifies the inquiry with `publicKey`, the key of the CertReq made under its LID-CA
 * (signatureFailure: someone else's registration), then header, date and LID-EE.
 */
export async function verifyCertInqReq(
  input: string | Uint8Array,
  registration: { lidEE: string; publicKey: Uint8Array },
  clock: Clock,
): Promise<CertInqReqContent> {
  const wire = decodeWireOf(input, 'CertInqReq');
  const body = parseWith(CertInqReqBody, wire.body, 'CertInqReq.body');
  // Parsed unverified only to fail early on garbage; the verified bytes are parsed again.
  parsePlain(body.content, CertInqReqContent, 'CertInqReq');
  const { content } = await verifyWithKey(body, registration.publicKey, CertInqReqContent, 'CertInqReq');
  checkHeader(wire, content);
  checkDate(content.date, clock, 'CertInqReq');
  if (content.lidEE !== registration.lidEE)
    fail('badMessageHeader', 'CertInqReq names another LID-EE than the registration');
  return content;
}

/** CA side: the decision as it stands, under the CertReq's CABackKey. */
export async function buildCertInqRes(p: {
  inq: CertInqReqContent;
  caBackKey: string;
  ca: Signer & { chain: ParsedCertificate[] };
  result: CertResult;
  now?: Date;
}): Promise<{ wire: Wire<'CertInqRes', CertResBody>; content: CertInqResData }> {
  return (await buildCertResult({ type: 'CertInqResData', answers: p.inq, ...p })) as {
    wire: Wire<'CertInqRes', CertResBody>;
    content: CertInqResData;
  };
}

/**
 * Requester side: the CertInqRes answering `inq` about `certReq`, checked as verifyCertRes checks
 * a CertRes (the certificate certifies the key requested, through the CA that signed, and for a
 * cardholder names this card's unique ID).
 */
export async function verifyCertInqRes(
  input: string | Uint8Array,
  inq: CertInqReqContent,
  certReq: CertReqData,
  ctx: VerifyContext,
): Promise<VerifiedCertRes> {
  if (inq.lidCA !== certReq.lidCA || inq.lidEE !== certReq.lidEE)
    fail('badMessageHeader', 'the inquiry names another registration than this CertReq');
  return verifyCertResult(input, 'CertInqResData', inq, certReq, ctx);
}

/**
 * verifyCertInqRes for a cardholder's CertReq (what a wallet verifies), without the merchant's and
 * gateway's checks in its bundle; the same checks and answers.
 */
export async function verifyCardholderCertInqRes(
  input: string | Uint8Array,
  inq: CertInqReqContent,
  certReq: CardholderCertReqData,
  ctx: VerifyContext,
): Promise<VerifiedCertRes> {
  if (inq.lidCA !== certReq.lidCA || inq.lidEE !== certReq.lidEE)
    fail('badMessageHeader', 'the inquiry names another registration than this CertReq');
  return verifyCardholderCertResult(input, 'CertInqResData', inq, certReq, ctx);
}

/** For tests and tools: the public key a CertReq certifies. */
export function certReqPublicKey(certReq: Pick<CertReqData, 'publicKey'>): Uint8Array {
  return fromB64u(certReq.publicKey, 'publicKey');
}

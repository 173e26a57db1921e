/**
 * The Error message (SET Book 2 "Error"; SET-PROFILE §4 Error): an ErrorCode, an ErrorNonce and
 * the offending message's header, signed when the sender has a certificate. Errors report
 * technical failures only; a decline is a business result. Nobody answers an Error with an Error.
 */
import * as v from 'valibot';
import { b64u, parseJsonBytes, utf8 } from '../encoding.ts';
import { ERROR_CODES, SetError } from '../errors.ts';
import type { ParsedCertificate, ValidatedPath } from '../pki/types.ts';
import { randomNonce } from '../primitives/hash.ts';
import { Nonce, parseWith, Text, Timestamp } from './fields.ts';
import { checkHeader, headerFor } from './header.ts';
import { PlainBody, parsePlain, plainBody, SignedBody, type Signer, verifySigned } from './signed.ts';
import { signedMessage } from './signed-message.ts';
import type { VerifyContext } from './trust.ts';
import {
  checkDate,
  decodeWireOf,
  Header,
  MAX_WIRE_BYTES,
  MESSAGE_TYPES,
  makeWire,
  type Wire,
} from './wire.ts';

export const ErrorContent = v.strictObject({
  type: v.literal('Error'),
  date: Timestamp,
  /** The offending message's RRPID when it could be read, else a fresh one. */
  rrpid: Nonce,
  errorCode: v.picklist(ERROR_CODES),
  errorNonce: Nonce,
  /** The offending message's type and header, as far as they could be read. */
  offending: v.strictObject({
    type: v.nullable(v.picklist(MESSAGE_TYPES)),
    hdr: v.nullable(Header),
  }),
  /** A sentence a developer can act on. */
  errorMsg: Text(512),
});
export type ErrorContent = v.InferOutput<typeof ErrorContent>;

/** Reads what it can of a message that failed: its type and header, never throwing. */
export function offendingOf(input: string | Uint8Array): ErrorContent['offending'] {
  try {
    const bytes = typeof input === 'string' ? utf8(input) : input;
    const json = parseJsonBytes(bytes, MAX_WIRE_BYTES, 'message') as { type?: unknown; hdr?: unknown };
    const type = v.safeParse(v.picklist(MESSAGE_TYPES), json?.type);
    const hdr = v.safeParse(Header, json?.hdr);
    return { type: type.success ? type.output : null, hdr: hdr.success ? hdr.output : null };
  } catch {
    return { type: null, hdr: null };
  }
}

/**
 * The Error answering `input`, or undefined when `input` is itself an Error (SET forbids
 * answering an Error with an Error). Signed when `signer` is given.
 */
export async function buildErrorFor(
  input: string | Uint8Array,
  error: SetError,
  signer?: Signer & { chain: ParsedCertificate[] },
  now = new Date(),
): Promise<Wire<'Error'> | undefined> {
  const offending = offendingOf(input);
  if (offending.type === 'Error') return undefined;
  const content: ErrorContent = {
    type: 'Error',
    date: now.toISOString(),
    rrpid: offending.hdr?.rrpid ?? b64u(randomNonce()),
    errorCode: error.code,
    errorNonce: b64u(randomNonce()),
    offending,
    errorMsg: error.message.slice(0, 512),
  };
  const hdr = headerFor({ ...content, ...idsOf(offending.hdr) });
  return signer
    ? await signedMessage('Error', content, signer, { hdr })
    : makeWire('Error', hdr, plainBody(content));
}

function idsOf(hdr: Header | null) {
  const { lidC, lidM, xid, lidEE, lidCA } = hdr ?? {};
  return { lidC, lidM, xid, lidEE, lidCA };
}

/**
 * Reads an Error. A signed Error is verified against the sender's chain; an unsigned one is
 * reported as such (`signer` undefined) so the caller can weigh it.
 */
export async function readError(
  input: string | Uint8Array,
  ctx: VerifyContext,
): Promise<{ content: ErrorContent; signer?: ValidatedPath }> {
  const wire = decodeWireOf(input, 'Error');
  let content: ErrorContent;
  let signer: ValidatedPath | undefined;
  if ('sig' in wire.body) {
    const body = parseWith(SignedBody, wire.body, 'Error.body');
    ctx.trust.addEncoded(wire.certs);
    const verified = await verifySigned(
      body,
      ErrorContent,
      'Error',
      ctx.trust,
      {
        types: ['merchant', 'gateway', 'cardholder-ca', 'merchant-ca', 'gateway-ca', 'cardholder'],
        keyRole: 'signature',
      },
      ctx.clock,
    );
    content = verified.content;
    signer = verified.path;
  } else {
    content = parsePlain(
      parseWith(PlainBody, wire.body, 'Error.body').content,
      ErrorContent,
      'Error',
    ).content;
  }
  checkHeader(wire, { ...content, ...idsOf(content.offending.hdr) });
  checkDate(content.date, ctx.clock, 'Error');
  return { content, ...(signer ? { signer } : {}) };
}

/** Turns a received Error into the SetError it reports, for callers that propagate failures. */
export function errorToSetError(content: ErrorContent): SetError {
  return new SetError(content.errorCode, `the peer answered with an Error: ${content.errorMsg}`);
}

/** HTTP status for a SET error code: 4xx for what the request did wrong (SET-PROFILE: never a 500). */
export function httpStatusFor(code: SetError['code']): number {
  switch (code) {
    case 'messageTooBig':
      return 413;
    case 'messageNotSupported':
      return 415;
    case 'unknownXID':
    case 'unknownRRPID':
      return 404;
    case 'unspecifiedFailure':
      return 422;
    default:
      return 400;
  }
}

/**
 * The gateway's SET endpoint: one POST that takes every payment request of SET Book 2 and the
 * Error message. Whatever goes wrong is answered with a signed SET Error and a 4xx status
 * (docs/protocol.md §7), except an Error, which is logged and never answered with an Error.
 */

import { type LimitedBody, readLimitedBody } from '../protocol/body.ts';
import {
  buildErrorFor,
  decodeWire,
  encodeWire,
  FOLLOW_UPS,
  type FollowUpRequest,
  httpStatusFor,
  MAX_WIRE_BYTES,
  readError,
  SetError,
} from '../protocol/index.ts';
import { DatabaseUnavailableError } from '../storage/index.ts';
import { authorize } from './authorization.ts';
import { answerBatchAdminReq } from './batch-admin.ts';
import { followUp } from './follow-up.ts';
import { answerPCertReq } from './gateway-certificates.ts';
import { answerTransListReq } from './merchant-transactions.ts';
import { answerNotifyRegReq } from './notify-registration.ts';
import type { PaymentContext } from './payment-context.ts';

export interface SetReply {
  status: number;
  /** A SET/2 wire message (JSON), or null when there is nothing to say (answering an Error). */
  body: string | null;
  /** Seconds: set with 503 when the ledger's database is unavailable and a retry may succeed. */
  retryAfter?: number;
}

const isFollowUp = (type: string): type is FollowUpRequest => Object.hasOwn(FOLLOW_UPS, type);

/** Handles one SET/2 message; never throws. */
export async function handleSetMessage(p: PaymentContext, bytes: Uint8Array): Promise<SetReply> {
  try {
    const wire = decodeWire(bytes);
    // The handlers take the decoded wire: the message is parsed and checked once (decodeWire).
    if (wire.type === 'AuthReq') return { status: 200, body: await authorize(p, wire) };
    if (isFollowUp(wire.type)) return { status: 200, body: await followUp(p, wire.type, wire) };
    if (wire.type === 'PCertReq') return { status: 200, body: await answerPCertReq(p, wire) };
    if (wire.type === 'TransListReq') return { status: 200, body: await answerTransListReq(p, wire) };
    if (wire.type === 'NotifyRegReq') return { status: 200, body: await answerNotifyRegReq(p, wire) };
    if (wire.type === 'BatchAdminReq') return { status: 200, body: await answerBatchAdminReq(p, wire) };
    if (wire.type === 'Error') return await receiveError(p, bytes);
    throw new SetError(
      'messageNotSupported',
      `the payment gateway takes AuthReq, CapReq, CapRevReq, AuthRevReq, CredReq, CredRevReq, PCertReq, TransListReq, NotifyRegReq, BatchAdminReq and Error, not ${wire.type}`,
    );
  } catch (e) {
    return await errorReply(p, bytes, e);
  }
}

/** Reads the body within SET/2's 256 KiB limit, then handles it. */
export async function handleSetRequest(p: PaymentContext, request: Request): Promise<SetReply> {
  return handleSetBody(p, await readLimitedBody(request, MAX_WIRE_BYTES));
}

/** Handles a body read within MAX_WIRE_BYTES (or refused as too big while reading); never throws. */
export async function handleSetBody(p: PaymentContext, body: LimitedBody): Promise<SetReply> {
  if (!body.ok) {
    return await errorReply(
      p,
      new Uint8Array(0),
      new SetError('messageTooBig', `a SET/2 message is at most ${MAX_WIRE_BYTES} bytes`),
    );
  }
  return handleSetMessage(p, body.bytes);
}

async function errorReply(p: PaymentContext, bytes: Uint8Array, e: unknown): Promise<SetReply> {
  let error: SetError;
  if (e instanceof DatabaseUnavailableError) {
    // Nothing was committed: the same request, sent again once the database is back, is answered
    // as if it were the first (SET's unspecifiedFailure; HTTP 503 tells clients to retry).
    p.log({ level: 'warn', event: 'database-unavailable', cause: e.causeMessage });
    error = new SetError(
      'unspecifiedFailure',
      'the gateway cannot reach its ledger just now; nothing was done: send the same request again shortly',
    );
    const wire = await buildErrorFor(bytes, error, p.signature, p.now());
    return { status: 503, body: wire ? encodeWire(wire) : null, retryAfter: e.retryAfterSeconds };
  }
  if (e instanceof SetError) {
    error = e;
    p.log({ level: 'info', event: 'refused', code: e.code, reason: e.message });
  } else {
    // A fault of ours (database, bug): the client learns only that it failed; the log has the cause.
    p.log({ level: 'error', event: 'internal', cause: e instanceof Error ? e.message : String(e) });
    error = new SetError('unspecifiedFailure', 'the gateway could not process this message; retry it later');
  }
  const wire = await buildErrorFor(bytes, error, p.signature, p.now());
  return { status: httpStatusFor(error.code), body: wire ? encodeWire(wire) : null };
}

/** SET Book 2 "Error": record it for the operator; nobody answers an Error with an Error. */
async function receiveError(p: PaymentContext, bytes: Uint8Array): Promise<SetReply> {
  try {
    const { content, signer } = await readError(bytes, await p.verifyContext());
    p.log({
      level: 'warn',
      event: 'error-received',
      code: content.errorCode,
      message: content.errorMsg,
      offending: content.offending.type ?? undefined,
      xid: content.offending.hdr?.xid,
      from: signer ? signer.chain[0]!.subject.commonName : 'unsigned',
    });
    return { status: 204, body: null };
  } catch (e) {
    p.log({
      level: 'warn',
      event: 'error-unreadable',
      code: e instanceof SetError ? e.code : 'unspecifiedFailure',
      reason: e instanceof Error ? e.message : String(e),
    });
    return { status: 400, body: null };
  }
}

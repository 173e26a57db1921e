/**
 * One CA's SET endpoint (POST /set/cca, /set/mca, /set/pca): a web-standard handler that reads
 * at most MAX_WIRE_BYTES, decodes the wrapper (size, JSON, version, type, envelope: wire.ts),
 * sends each message type to its handler, and answers every failure with a SET Error signed by
 * the CA's signature certificate and the status httpStatusFor gives (SET-PROFILE §4 Error;
 * docs/protocol.md §7). Never a 5xx.
 *
 * Retries (SET-PROFILE §3, RRPID): a request whose RRPID was answered before gets the stored
 * answer when its bytes are identical and it is still within the date window; the same RRPID on
 * other bytes is refused.
 */

import { readLimitedBody } from '../protocol/body.ts';
import {
  buildErrorFor,
  checkDate,
  constantTimeEqual,
  decodeWire,
  encodeWire,
  fail,
  httpStatusFor,
  MAX_WIRE_BYTES,
  type MessageType,
  SetError,
  sha256,
  type Wire,
} from '../protocol/index.ts';
import { type Database, DatabaseUnavailableError } from '../storage/index.ts';
import type { CaRole, SetHandlers } from './registration-context.ts';
import { findResponse } from './store/responses.ts';

export const SET_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface SetEndpointDeps {
  role: CaRole;
  db: Database;
  handlers: SetHandlers;
  now: () => Date;
  log: (line: string) => void;
}

export function setEndpoint(deps: SetEndpointDeps): (req: Request) => Promise<Response> {
  const { role, db, handlers, now, log } = deps;
  const accepted = Object.keys(handlers) as MessageType[];

  /** The answer already given to this RRPID, if `hash` shows the very same request. */
  async function stored(wire: Wire, hash: Uint8Array): Promise<string | undefined> {
    const previous = await findResponse(db, role.name, wire.hdr.rrpid);
    if (!previous) return undefined;
    if (!constantTimeEqual(previous.requestHash, hash)) {
      fail('badMessageHeader', `this RRPID already identifies another ${wire.type}; use a fresh RRPID`);
    }
    return previous.response;
  }

  return async (request) => {
    const at = now();
    let bytes: Uint8Array = new Uint8Array(0);
    let wire: Wire | undefined;
    let hash: Uint8Array | undefined;
    let handling = false;
    try {
      const body = await readLimitedBody(request, MAX_WIRE_BYTES);
      if (!body.ok) fail('messageTooBig', `a SET/2 message is at most ${MAX_WIRE_BYTES} bytes`);
      bytes = body.bytes;
      wire = decodeWire(bytes);
      const handler = handlers[wire.type];
      if (!handler) {
        fail(
          'messageNotSupported',
          `the ${role.title} endpoint takes ${accepted.join(', ')}, not ${wire.type}`,
        );
      }
      hash = sha256(bytes);
      const previous = await stored(wire, hash);
      if (previous !== undefined) {
        checkDate(wire.hdr.date, { now: at }, wire.type);
        return answer(previous);
      }
      handling = true;
      return answer(await handler({ bytes, wire, requestHash: hash, at, now }));
    } catch (e) {
      // A concurrent copy of this very request may have been answered meanwhile: give that answer.
      if (handling && wire && hash) {
        const twin = await stored(wire, hash).catch(() => undefined);
        if (twin !== undefined) return answer(twin);
      }
      return await errorResponse(bytes, e);
    }
  };

  async function errorResponse(bytes: Uint8Array, e: unknown): Promise<Response> {
    let error: SetError;
    let retryAfter: number | undefined;
    if (e instanceof SetError) {
      error = e;
    } else if (e instanceof DatabaseUnavailableError) {
      // Nothing was stored: the same request, sent again shortly, is handled as the first one.
      log(`${role.name}: ${e.message}`);
      retryAfter = e.retryAfterSeconds;
      error = new SetError(
        'unspecifiedFailure',
        `the ${role.title} cannot reach its database just now; nothing was done: send the same request again shortly`,
      );
    } else {
      log(`${role.name}: ${e instanceof Error ? `${e.name}: ${e.message}` : 'unknown failure'}`);
      error = new SetError(
        'unspecifiedFailure',
        `the ${role.title} could not process this request; try again`,
      );
    }
    const status = retryAfter === undefined ? httpStatusFor(error.code) : 503;
    const headers: Record<string, string> =
      retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
    try {
      const reply = await buildErrorFor(bytes, error, role.signer, now());
      // Nobody answers an Error with an Error: the status alone says it was not taken.
      return reply ? answer(encodeWire(reply), status, headers) : new Response(null, { status, headers });
    } catch (cause) {
      log(`${role.name}: could not build the Error reply: ${cause instanceof Error ? cause.message : ''}`);
      return new Response(null, { status, headers });
    }
  }
}

function answer(json: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(json, {
    status,
    headers: { 'content-type': SET_CONTENT_TYPE, 'cache-control': 'no-store', ...headers },
  });
}

/**
 * SET messages over HTTP: a message is answered with its JSON and 200; a failure with a SET Error
 * (signed by the merchant, naming the offending message's header) and the 4xx httpStatusFor gives
 * its code. Never a 5xx: an unexpected failure is an unspecifiedFailure whose cause is logged,
 * never shown. An Error is never answered with an Error (SET Book 2): it gets an empty 204.
 */
import {
  buildErrorFor,
  httpStatusFor,
  type ParsedCertificate,
  SetError,
  type Signer,
} from '../protocol/index.ts';

export const SET_CONTENT_TYPE = 'application/json; charset=utf-8';

export function setMessageResponse(wire: string | object, status = 200): Response {
  return new Response(typeof wire === 'string' ? wire : JSON.stringify(wire), {
    status,
    headers: { 'content-type': SET_CONTENT_TYPE, 'cache-control': 'no-store' },
  });
}

export function setErrorResponse(
  input: string | Uint8Array,
  error: unknown,
  signer: Signer & { chain: ParsedCertificate[] },
  now: Date,
  log: (message: string, cause?: unknown) => void,
): Response {
  const setError =
    error instanceof SetError
      ? error
      : new SetError('unspecifiedFailure', 'the merchant could not process this message; try again later');
  if (!(error instanceof SetError)) log('SET endpoint: unexpected failure', error);
  const wire = buildErrorFor(input, setError, signer, now);
  if (!wire) return new Response(null, { status: 204 });
  return setMessageResponse(wire, httpStatusFor(setError.code));
}

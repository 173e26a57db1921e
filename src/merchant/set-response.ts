/**
 * SET messages over HTTP: a message is answered with its JSON and 200; a failure with a SET Error
 * (signed by the merchant, naming the offending message's header) and the 4xx httpStatusFor gives
 * its code. An unexpected failure is an unspecifiedFailure whose cause is logged, never shown. The
 * one 5xx: a failure the site marks `temporary` (its database is unreachable, as src/storage's
 * DatabaseUnavailableError says) is answered 503 with Retry-After, so the wallet may send the same
 * message again. An Error is never answered with an Error (SET Book 2): it gets an empty 204.
 */
import {
  buildErrorFor,
  httpStatusFor,
  type ParsedCertificate,
  SetError,
  type Signer,
} from '../protocol/index.ts';

export const SET_CONTENT_TYPE = 'application/json; charset=utf-8';

export function setMessageResponse(
  wire: string | object,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(typeof wire === 'string' ? wire : JSON.stringify(wire), {
    status,
    headers: { 'content-type': SET_CONTENT_TYPE, 'cache-control': 'no-store', ...headers },
  });
}

/**
 * Seconds to wait when `error` is a failure worth retrying (an OrderStore's database that cannot
 * be reached marks its error `temporary: true`, with `retryAfterSeconds`); undefined otherwise.
 */
export function retryAfterOf(error: unknown): number | undefined {
  const e = error as { temporary?: unknown; retryAfterSeconds?: unknown } | null;
  if (e?.temporary !== true) return undefined;
  const s = e.retryAfterSeconds;
  return typeof s === 'number' && Number.isSafeInteger(s) && s > 0 && s <= 3600 ? s : 2;
}

export async function setErrorResponse(
  input: string | Uint8Array,
  error: unknown,
  signer: Signer & { chain: ParsedCertificate[] },
  now: Date,
  log: (message: string, cause?: unknown) => void,
): Promise<Response> {
  const retryAfter = error instanceof SetError ? undefined : retryAfterOf(error);
  const setError =
    error instanceof SetError
      ? error
      : retryAfter !== undefined
        ? new SetError(
            'unspecifiedFailure',
            'the merchant cannot reach its order records just now; nothing was done: send the same message again shortly',
          )
        : new SetError('unspecifiedFailure', 'the merchant could not process this message; try again later');
  if (!(error instanceof SetError)) log('SET endpoint: unexpected failure', error);
  const wire = await buildErrorFor(input, setError, signer, now);
  if (!wire) return new Response(null, { status: 204 });
  if (retryAfter !== undefined) {
    return setMessageResponse(wire, 503, { 'retry-after': String(retryAfter) });
  }
  return setMessageResponse(wire, httpStatusFor(setError.code));
}

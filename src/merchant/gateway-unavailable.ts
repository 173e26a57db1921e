/**
 * The payment gateway did not answer: every attempt failed at the network or with a 5xx from
 * something in between. `maybeDelivered` is false only when no attempt ever reached the gateway
 * (connection refused, name not found), which is the one case where the caller may forget the
 * request; otherwise the gateway may have acted on it and only a retry with the same XID and
 * RRPID is safe.
 */
import { SetError } from '../protocol/index.ts';

export class GatewayUnavailableError extends SetError {
  constructor(
    readonly endpoint: string,
    readonly attempts: number,
    readonly maybeDelivered: boolean,
    readonly lastFailure: string,
  ) {
    super(
      'unspecifiedFailure',
      `the payment gateway at ${endpoint} did not answer after ${attempts} attempt${attempts === 1 ? '' : 's'} (${lastFailure})`,
    );
  }
}

const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** True when a fetch failure shows the request never reached a server. */
export function neverConnected(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  if (cause instanceof AggregateError) return cause.errors.length > 0 && cause.errors.every(neverConnected);
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NEVER_CONNECTED.has(code);
}

export function describeFailure(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'timed out' : error.message;
  return String(error);
}

/**
 * SET ErrorCodes (SET Book 2, "Error" message; SET-PROFILE §4) and the typed error every
 * parser and verifier in this folder throws. Callers match on `code`, never on message text.
 */

export const ERROR_CODES = [
  'unspecifiedFailure',
  'messageNotSupported',
  'decodingFailure',
  'invalidCertificate',
  'expiredCertificate',
  'revokedCertificate',
  'missingCertificate',
  'signatureFailure',
  'badMessageHeader',
  'versionTooOld',
  'versionTooNew',
  'unrecognizedExtension',
  'messageTooBig',
  'signatureRequired',
  'messageTooOld',
  'messageTooNew',
  'thumbsMismatch',
  'unknownRRPID',
  'unknownXID',
  'challengeMismatch',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A SET failure: a code from SET's list plus a sentence a person can act on. */
export class SetError extends Error {
  override readonly name = 'SetError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function fail(code: ErrorCode, message: string): never {
  throw new SetError(code, message);
}

/** Runs `fn`; any non-SetError it throws becomes a SetError with `code`. */
export function withCode<T>(code: ErrorCode, message: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SetError) throw e;
    throw new SetError(code, message);
  }
}

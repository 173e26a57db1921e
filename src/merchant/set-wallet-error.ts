/**
 * What a merchant developer sees when a SET party answers with an Error message (SET Book 2
 * "Error"; docs/protocol.md §7): a SetWalletError, which is a SetError (so `instanceof SetError`
 * and `.code` keep working), whose `message` is a sentence from SET_ERROR_SENTENCES saying what
 * the code means for a shop and what to do, with the peer's own words in `detail`.
 *
 *   try { await gateway.capture(p); } catch (e) {
 *     if (e instanceof SetWalletError) console.error(e.code, e.message, e.detail);
 *   }
 *
 * docs/merchant-guide.md lists every code with its sentence (a test keeps them equal).
 */
import { type ErrorCode, SetError } from '../protocol/index.ts';

/** Every SET ErrorCode, as a shop developer should read it when a peer answers with it. */
export const SET_ERROR_SENTENCES: Readonly<Record<ErrorCode, string>> = {
  unspecifiedFailure:
    'The other party could not process the message and gave no specific reason; retry later, and look at its log if it keeps failing.',
  messageNotSupported:
    'The other party does not take this message type at that URL; check that the endpoint is the gateway’s (or CA’s) SET endpoint.',
  decodingFailure:
    'The other party could not decode the message; it is malformed, so check that nothing between you rewrites the body.',
  invalidCertificate:
    'A certificate in the exchange is not acceptable there (wrong type, role, brand or issuer); check that you use your merchant certificates under the right root.',
  expiredCertificate:
    'A certificate in the exchange has expired; renew yours with setwallet merchant enrol, or wait for the other party to renew its own.',
  revokedCertificate: 'A certificate in the exchange has been revoked; enrol again to get new certificates.',
  missingCertificate:
    'The other party lacks a certificate it needs and it was not sent; send your chain with the message.',
  signatureFailure:
    'A signature did not verify; the message was altered, or it was signed with a key that does not match its certificate.',
  badMessageHeader:
    'The message header disagrees with its content, or an identifier (such as the RRPID) was reused for another request.',
  versionTooOld: 'The other party needs a newer SET/2 version than the message used; update the SDK.',
  versionTooNew: 'The message used a newer SET/2 version than the other party knows; it needs updating.',
  unrecognizedExtension: 'A certificate carries a critical extension the other party does not understand.',
  messageTooBig: 'The message is larger than SET/2 allows for its type.',
  signatureRequired:
    'The other party accepts only signed messages here (for example, payments from registered cards only).',
  messageTooOld:
    'The message is dated too far in the past; check the clock of this machine, and do not replay old messages.',
  messageTooNew: 'The message is dated in the future; check the clock of this machine.',
  thumbsMismatch:
    'The message was sealed to a key the other party no longer holds (a key rollover); fetch its current certificates and send again.',
  unknownRRPID:
    'The answer does not belong to a request this party sent (RRPID), or the request has expired; start again.',
  unknownXID:
    'The other party knows no such transaction (XID), or it was already answered; check the order, or start the payment again.',
  challengeMismatch:
    'The answer does not echo the challenge of the request; it answers another exchange, so start again.',
};

export class SetWalletError extends SetError {
  constructor(
    code: ErrorCode,
    /** The Error message's own errorMsg, as the other party wrote it. */
    readonly detail: string,
    /** Who answered with the Error: 'gateway' or 'ca'. */
    readonly from: 'gateway' | 'ca',
  ) {
    super(code, SET_ERROR_SENTENCES[code]);
    Object.defineProperty(this, 'name', { value: 'SetWalletError' });
  }
}

/** The SetWalletError for an Error message's content. */
export function setWalletError(
  content: { errorCode: ErrorCode; errorMsg: string },
  from: 'gateway' | 'ca',
): SetWalletError {
  return new SetWalletError(content.errorCode, content.errorMsg, from);
}

/**
 * The wallet's typed errors. Every failure the UI can show is a WalletError with a code; its
 * `messageKey` names the `_locales` message that explains it to a person (`error_<code>`), and
 * `params` fill that message's placeholders. Protocol failures keep their SET ErrorCode.
 */
import { type ErrorCode, SetError } from '../protocol/errors.ts';

export const WALLET_ERROR_CODES = [
  /** The vault is locked: ask for the passphrase, then retry. */
  'locked',
  /** No vault yet: first run. */
  'noVault',
  'vaultExists',
  'wrongPassphrase',
  /** Too many wrong passphrases: params.retryInSeconds. */
  'unlockThrottled',
  /** A stored record does not decrypt under a key that opens the verifier. */
  'vaultCorrupted',
  /** KDF parameters below the floor (PBKDF2-SHA256, 600,000 iterations). */
  'kdfTooWeak',
  'passphraseTooShort',
  /** A backup file that is not one, is too big, or is damaged. */
  'backupInvalid',
  /** A backup whose KDF cost is above 10× this wallet's: params.iterations, params.maximum. */
  'backupKdfTooCostly',
  'unknownCard',
  'noCards',
  /** No card of a brand the merchant accepts: params.brands. */
  'noCardForBrand',
  'invalidCardNumber',
  'invalidExpiry',
  /** The issuer's form is not filled in as it asks: params.problem. */
  'invalidAnswers',
  /** The CCA declined to certify the card: params.reason. */
  'registrationRejected',
  'unknownRegistration',
  /**
   * The card's certificate has expired, so it cannot sign its own renewal: the card is registered
   * again at params.origin (the bank's site it was registered on; empty when unknown).
   */
  'cardExpired',
  /** The wallet does not know where the card was registered (kept by an older wallet): register it again. */
  'notRenewable',
  /** The registration is not at the step the call belongs to: params.step. */
  'wrongStep',
  'invalidRoot',
  'unknownRoot',
  'untrustedRoot',
  /** The tab declares no (valid) initiation of the kind asked for. */
  'noInitiation',
  /** A payment request is already open for this tab. */
  'alreadyPending',
  'unknownRequest',
  /** The request is not at a step where this can be done: params.step. */
  'notReady',
  'unknownReceipt',
  /** The receipt has no merchant endpoint to ask (kept before the wallet asked about receipts). */
  'notRefreshable',
  /** The merchant certificate does not name the page's origin: params.tabOrigin, params.certificateOrigins. */
  'originMismatch',
  /** A certificate of the merchant or its payment gateway (or a CA above them) is revoked. */
  'certificateRevoked',
  /** The wallet has no current revocation lists for the brand (params.brand): it cannot pay. */
  'revocationUnknown',
  /**
   * Paying without the card's certificate was asked where it is not offered: the merchant's payment
   * gateway requires cardholder certificates (its certificate's cardCertRequired is not false).
   */
  'unsignedNotOffered',
  /** The request is finished (paid, failed or cancelled). */
  'requestClosed',
  /** The payment is under way: it can no longer be cancelled. */
  'tooLateToCancel',
  /** The page transport failed: retrying is safe (the same bytes are re-sent). */
  'transport',
  /** The merchant or CA answered with a SET Error: setCode. */
  'peerError',
  /** A message failed SET/2 verification: setCode. */
  'protocol',
  /** A message crossing a context boundary failed its schema: params.problem. */
  'badMessage',
] as const;
export type WalletErrorCode = (typeof WALLET_ERROR_CODES)[number];

export type ErrorParams = Record<string, string | number>;

/** What crosses a context boundary: no stack, nothing secret. */
export interface WalletErrorJson {
  code: WalletErrorCode;
  messageKey: string;
  params: ErrorParams;
  setCode?: ErrorCode;
  /** A developer-facing sentence (not shown to users as is). */
  detail: string;
}

export class WalletError extends Error {
  override readonly name = 'WalletError';
  constructor(
    readonly code: WalletErrorCode,
    message: string,
    readonly params: ErrorParams = {},
    readonly setCode?: ErrorCode,
  ) {
    super(message);
  }

  get messageKey(): string {
    return `error_${this.code}`;
  }

  toJSON(): WalletErrorJson {
    return {
      code: this.code,
      messageKey: this.messageKey,
      params: this.params,
      ...(this.setCode ? { setCode: this.setCode } : {}),
      detail: this.message,
    };
  }
}

/** Any thrown value as a WalletError: SetErrors keep their code, anything else is a protocol failure. */
export function toWalletError(e: unknown): WalletError {
  if (e instanceof WalletError) return e;
  if (e instanceof SetError) return new WalletError('protocol', e.message, { setCode: e.code }, e.code);
  return new WalletError('protocol', e instanceof Error ? e.message : String(e), {}, 'unspecifiedFailure');
}

export function walletError(code: WalletErrorCode, message: string, params: ErrorParams = {}): never {
  throw new WalletError(code, message, params);
}

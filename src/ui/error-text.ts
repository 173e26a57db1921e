/**
 * A wallet error as a sentence a person can act on: its `_locales` message (`error_<code>`) with
 * the error's params in the order that message's placeholders expect. Codes the params carry (a
 * SET ErrorCode, a root problem) are themselves translated first.
 */
import { t } from './i18n.ts';
import type { UiErrorInfo } from './wallet-client.ts';

type ParamText = (params: UiErrorInfo['params'], info: UiErrorInfo) => string;

const param =
  (name: string): ParamText =>
  (p) =>
    String(p[name] ?? '');

/** A SET ErrorCode (SET Book 2 "Error"), in words. */
export function setErrorText(code: string | undefined): string {
  return t(`setError_${code ?? 'unspecifiedFailure'}`);
}

const setCode: ParamText = (p, info) => setErrorText(info.setCode ?? (p.setCode as string | undefined));

/** The placeholders of each error message, in order ($1, $2 …). */
export const ERROR_PLACEHOLDERS: Record<string, readonly ParamText[]> = {
  error_unlockThrottled: [param('retryInSeconds')],
  error_passphraseTooShort: [param('minimum')],
  error_backupKdfTooCostly: [param('iterations'), param('maximum')],
  error_noCardForBrand: [param('brands')],
  error_invalidAnswers: [param('problem')],
  error_registrationRejected: [param('reason')],
  error_cardExpired: [param('origin')],
  error_invalidRoot: [(p) => t(`rootProblem_${String(p.problem ?? 'decoding')}`)],
  error_originMismatch: [param('tabOrigin'), param('certificateOrigins')],
  error_revocationUnknown: [param('brand')],
  error_peerError: [setCode],
  error_protocol: [setCode],
  error_badMessage: [param('problem')],
};

export function errorText(info: UiErrorInfo): string {
  const placeholders = ERROR_PLACEHOLDERS[info.messageKey] ?? [];
  const text = t(
    info.messageKey,
    placeholders.map((f) => f(info.params, info)),
  );
  return text === info.messageKey ? t('error_unexpected', info.code) : text;
}

/** A decline reason (SET/2 AuthResult reason) in words. */
export function declineText(reason: string | undefined): string {
  return t(`decline_${reason ?? 'doNotHonour'}`);
}

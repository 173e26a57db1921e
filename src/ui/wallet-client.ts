/**
 * How a wallet page (popup, confirmation, registration, options) asks the background: one
 * UiRequest per call, the reply parsed (bridge-messages.ts's parseUiReply, messages.ts's UiReply
 * rules, by hand: a page loads no schema library) before use. A failure is a UiError whose
 * messageKey names the `_locales` message that explains it (errors.ts turns it into text).
 */
import { browser } from 'wxt/browser';
import { parseUiReply } from '../wallet/bridge-messages.ts';
import type { WalletErrorJson } from '../wallet/errors.ts';
import type { UiRequest, UiRequestType } from '../wallet/messages.ts';
import type { UiValue } from '../wallet/switchboard.ts';

/** What the UI shows for a failure: a wallet error, or the background being unreachable. */
export type UiErrorInfo = Pick<WalletErrorJson, 'messageKey' | 'params'> & { code: string; setCode?: string };

export class UiError extends Error {
  constructor(readonly info: UiErrorInfo) {
    super(info.code);
  }
}

export const BACKGROUND_GONE: UiErrorInfo = {
  code: 'backgroundGone',
  messageKey: 'error_backgroundGone',
  params: {},
};

export function isUiError(e: unknown, code?: string): e is UiError {
  return e instanceof UiError && (code === undefined || e.info.code === code);
}

export function errorInfo(e: unknown): UiErrorInfo {
  return e instanceof UiError ? e.info : BACKGROUND_GONE;
}

export async function call<K extends UiRequestType>(
  request: Extract<UiRequest, { type: K }>,
): Promise<UiValue<K>> {
  let raw: unknown;
  try {
    raw = await browser.runtime.sendMessage(request);
  } catch {
    // The service worker stopped while answering (or could not start): the caller may retry.
    throw new UiError(BACKGROUND_GONE);
  }
  // Messaging drops a property whose value is undefined (a void result): put it back.
  if (raw !== null && typeof raw === 'object' && (raw as { ok?: unknown }).ok === true && !('value' in raw)) {
    raw = { ...raw, value: undefined };
  }
  const reply = parseUiReply(raw);
  if (!reply) throw new UiError(BACKGROUND_GONE);
  if (!reply.ok) throw new UiError(reply.error);
  return reply.value as UiValue<K>;
}

/**
 * What the content script and the wallet pages read from another context, as hand-written parsers
 * with size limits, the same rules as messages.ts's valibot schemas: the content script's two
 * boundaries (PageRequest, PageOutcome, BackgroundToContent) and a page's (UiReply, StartError).
 * The content script is parsed on every https page the shopper opens, and each page has 40 KB
 * with everything it loads (issue 11), so neither carries a schema library.
 * tests/unit/bridge-messages.test.ts holds each parser to its schema's answers on generated input.
 * It loads only src/protocol/initiation-check.ts (valibot's strictObject rule, by hand) and the
 * wallet's error codes; messages.ts re-exports PAGE_EVENTS and answerWith.
 */
import { isStrictObject as strict, isTextUpTo as upTo } from '../protocol/initiation-check.ts';
import { WALLET_ERROR_CODES, type WalletErrorJson } from './errors.ts';

/** DOM events a page may dispatch on `document` to ask for the wallet. */
export const PAGE_EVENTS = {
  requestPayment: 'set-wallet:request-payment',
  requestRegistration: 'set-wallet:request-registration',
  /** Dispatched by the wallet (content script) with a PageOutcome. */
  outcome: 'set-wallet:outcome',
} as const;

export const PAGE_OUTCOME_STATUSES = [
  'paying',
  'approved',
  'declined',
  'pending',
  'rejected',
  'failed',
  'alreadyPending',
  'awaitingShopper',
] as const;

/** What a page may learn (messages.ts's PageOutcome schema infers exactly this type). */
export type PageOutcome = {
  status: (typeof PAGE_OUTCOME_STATUSES)[number];
  xid?: string | undefined;
  code?: string | undefined;
};

/** A message from the background to the content script (messages.ts's BackgroundToContent). */
export type BackgroundToContent =
  | { type: 'transportRequest'; url: string; body: string }
  | { type: 'outcome'; outcome: PageOutcome };

/** Tells the transportRequest's url limit to both parsers. */
export const MAX_TRANSPORT_URL_LENGTH = 2048;

const optionalUpTo = (x: unknown, max: number): boolean => x === undefined || upTo(x, max);

/** A page's request carries nothing: null, undefined or an empty object (what to pay is in the DOM). */
export function isPageRequest(detail: unknown): boolean {
  return detail === null || detail === undefined || strict(detail, []);
}

/** What a page may learn: the outcome and the XID it already knows, nothing else; undefined when it is not that. */
export function parsePageOutcome(x: unknown): PageOutcome | undefined {
  if (!strict(x, ['status', 'xid', 'code'])) return undefined;
  const { status, xid, code } = x;
  if (!(PAGE_OUTCOME_STATUSES as readonly unknown[]).includes(status)) return undefined;
  if (!optionalUpTo(xid, 64) || !optionalUpTo(code, 64)) return undefined;
  const outcome: PageOutcome = { status: status as PageOutcome['status'] };
  if (xid !== undefined) outcome.xid = xid as string;
  if (code !== undefined) outcome.code = code as string;
  return outcome;
}

/** A message from the background for this content script, or undefined when it is not one. */
export function parseBackgroundToContent(x: unknown, maxBody: number): BackgroundToContent | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const type = (x as { type?: unknown }).type;
  if (type === 'transportRequest') {
    if (!strict(x, ['type', 'url', 'body'])) return undefined;
    if (!upTo(x.url, MAX_TRANSPORT_URL_LENGTH) || !upTo(x.body, maxBody)) return undefined;
    return { type, url: x.url, body: x.body };
  }
  if (type === 'outcome') {
    if (!strict(x, ['type', 'outcome'])) return undefined;
    const outcome = parsePageOutcome(x.outcome);
    return outcome && { type, outcome };
  }
  return undefined;
}

/** valibot's record: the keys it looks at (own, enumerable, but __proto__, prototype, constructor). */
function record<V>(
  x: unknown,
  key: (k: string) => boolean,
  value: (v: unknown) => v is V,
): Record<string, V> | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const out: Record<string, V> = {};
  for (const k in x) {
    if (!Object.hasOwn(x, k) || k === '__proto__' || k === 'prototype' || k === 'constructor') continue;
    const v = (x as Record<string, unknown>)[k];
    if (!key(k) || !value(v)) return undefined;
    out[k] = v;
  }
  return out;
}
const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);

/** A wallet page's reply from the background: a value, or a WalletError as JSON. */
export type UiReply = { ok: true; value: unknown } | { ok: false; error: WalletErrorJson };

/** The background's answer to a UiRequest (messages.ts UiReply); undefined when it is not one. */
export function parseUiReply(x: unknown): UiReply | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const ok = (x as { ok?: unknown }).ok;
  if (ok === true) return strict(x, ['ok', 'value'], ['value']) ? { ok, value: x.value } : undefined;
  if (ok !== false || !strict(x, ['ok', 'error'], ['error'])) return undefined;
  const e = x.error;
  const fields = ['code', 'messageKey', 'params', 'detail'];
  if (!strict(e, [...fields, 'setCode'], fields)) return undefined;
  const params = record(
    e.params,
    () => true,
    (v) => typeof v === 'string' || isNumber(v),
  );
  if (
    !(WALLET_ERROR_CODES as readonly unknown[]).includes(e.code) ||
    !upTo(e.messageKey, 64) ||
    !params ||
    !(e.setCode === undefined || typeof e.setCode === 'string') ||
    !upTo(e.detail, 2048)
  ) {
    return undefined;
  }
  const error = { code: e.code, messageKey: e.messageKey, params, detail: e.detail } as WalletErrorJson;
  if ('setCode' in e) error.setCode = e.setCode as WalletErrorJson['setCode'];
  return { ok, error };
}

/** Why the confirmation window could not start, as the background put it in the window's URL. */
export interface StartError {
  code: string;
  messageKey: string;
  params: Record<string, string | number>;
  setCode?: string | undefined;
}

/** messages.ts StartError (an object that may carry more, which is left out); undefined when it is not one. */
export function parseStartError(x: unknown): StartError | undefined {
  if (typeof x !== 'object' || x === null || !['code', 'messageKey', 'params'].every((k) => k in x)) {
    return undefined;
  }
  const { code, messageKey, setCode } = x as Record<string, unknown>;
  const params = record(
    (x as { params: unknown }).params,
    (k) => k.length <= 64,
    (v): v is string | number => upTo(v, 512) || isNumber(v),
  );
  if (!upTo(code, 64) || !upTo(messageKey, 64) || !params) return undefined;
  if (setCode !== undefined && !upTo(setCode, 64)) return undefined;
  const out: StartError = { code, messageKey, params };
  if ('setCode' in x) out.setCode = setCode as string | undefined;
  return out;
}

/**
 * A runtime.onMessage listener over `handler`, which returns a Promise for its reply, or undefined
 * for a message that is not its own (the browser then looks no further). The reply goes through
 * `sendResponse` with `return true`, which Chrome and Firefox both honour without
 * webextension-polyfill; a handler that fails answers `{ ok: false }`, which no receiver takes for
 * a success.
 */
export function answerWith<Sender>(
  handler: (message: unknown, sender: Sender) => Promise<unknown> | undefined,
): (message: unknown, sender: Sender, sendResponse: (reply: unknown) => void) => boolean {
  return (message, sender, sendResponse) => {
    const reply = handler(message, sender);
    if (reply === undefined) return false;
    reply.then(sendResponse, () => sendResponse({ ok: false }));
    return true;
  };
}

/**
 * The content script's side of its two boundaries (page ↔ content, background → content) as
 * hand-written parsers with size limits, the same rules as messages.ts's valibot schemas
 * (PageRequest, PageOutcome, BackgroundToContent): the content script is parsed on every https
 * page the shopper opens, so it carries no schema library (issue 11: ≤ 10 KB).
 * tests/unit/bridge-messages.test.ts holds each parser to its schema's answers on generated input.
 * It loads only src/protocol/initiation-check.ts (valibot's strictObject rule, by hand);
 * messages.ts re-exports PAGE_EVENTS and answerWith.
 */
import { isStrictObject as strict, isTextUpTo as upTo } from '../protocol/initiation-check.ts';

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

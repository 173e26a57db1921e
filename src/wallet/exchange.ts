/**
 * One request/response over the page transport (ARCHITECTURE "Transport"): the background hands
 * the wire text to the tab's content script, which POSTs it same-origin to the endpoint the page
 * declared and returns the response body. The one exception is directTransport: the background
 * asks about a receipt (InqReq) at the SET endpoint kept with it, on an origin the verified
 * merchant certificate names, from the extension's own origin.
 */
import { readText } from '../protocol/body.ts';
import { decodeWire, type ErrorCode, readError, SetError, type VerifyContext } from '../protocol/core.ts';
import { MAX_WIRE_BYTES } from '../protocol/messages/wire-limit.ts';
import { WalletError } from './errors.ts';
import { type BackgroundToContent, parseMessage, TransportReply } from './messages.ts';

/** Sends one SET/2 message to the initiation's endpoint and resolves with the response body. */
export type Send = (wire: string) => Promise<string>;

/**
 * Sends `wire` and returns the reply text. A transport failure is `transport` (safe to retry); a
 * SET Error in reply is `peerError` with its ErrorCode; a reply that is not SET/2 is `protocol`.
 */
export async function exchange(send: Send, wire: string, ctx: VerifyContext): Promise<string> {
  let reply: unknown;
  try {
    reply = await send(wire);
  } catch (e) {
    throw new WalletError('transport', `the page transport failed: ${e instanceof Error ? e.message : e}`);
  }
  if (typeof reply !== 'string') throw new WalletError('transport', 'the page transport returned no text');
  let type: string;
  try {
    type = decodeWire(reply).type;
  } catch (e) {
    // Not a SET/2 message at all (a proxy's error page, a cut-off body): a transport failure,
    // so a payment stays retryable with the same bytes.
    const code = e instanceof SetError ? e.code : 'decodingFailure';
    throw new WalletError('transport', 'the reply is not a SET/2 message', { setCode: code }, code);
  }
  if (type === 'Error') {
    let code: ErrorCode = 'unspecifiedFailure';
    let said = 'an unreadable Error';
    try {
      const { content } = await readError(reply, ctx);
      code = content.errorCode;
      said = content.errorMsg;
    } catch (e) {
      if (!(e instanceof SetError)) throw e;
    }
    throw new WalletError(
      'peerError',
      `the other side answered with an Error: ${said}`,
      { setCode: code },
      code,
    );
  }
  return reply;
}

/**
 * The page transport as the background builds it: a `transportRequest` to the tab's content
 * script (which POSTs same-origin and replies with a TransportReply), parsed before use.
 * `sendToTab` is `(tabId, message) => browser.tabs.sendMessage(tabId, message)`.
 */
export function pageTransport(
  sendToTab: (tabId: number, message: BackgroundToContent) => Promise<unknown>,
  tabId: number,
  url: string,
): Send {
  return async (wire) => {
    const reply = parseMessage(
      TransportReply,
      await sendToTab(tabId, { type: 'transportRequest', url, body: wire }),
    );
    if (!reply.ok) throw new Error(reply.error);
    return reply.body;
  };
}

/** How long the background waits for a merchant's answer to an InqReq. */
export const DIRECT_TIMEOUT_MS = 20_000;

/**
 * The background's own POST of one SET/2 message to `url` (receipts: InqReq → InqRes). No
 * cookies or credentials, no redirects followed, the answer read up to MAX_WIRE_BYTES; a 4xx with
 * a SET Error is returned as text, for exchange() to read.
 */
export function directTransport(fetchFn: typeof fetch, url: string): Send {
  return async (wire) => {
    const response = await fetchFn(url, {
      method: 'POST',
      body: wire,
      headers: { 'content-type': 'application/json' },
      credentials: 'omit',
      redirect: 'error',
      cache: 'no-store',
      signal: AbortSignal.timeout(DIRECT_TIMEOUT_MS),
    });
    return await readText(response, MAX_WIRE_BYTES);
  };
}

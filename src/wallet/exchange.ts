/**
 * One request/response over the page transport (ARCHITECTURE "Transport"): the background hands
 * the wire text to the tab's content script, which POSTs it same-origin to the endpoint the page
 * declared and returns the response body. The wallet itself never talks to the network.
 */
import { decodeWire, type ErrorCode, readError, SetError, type VerifyContext } from '../protocol/index.ts';
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

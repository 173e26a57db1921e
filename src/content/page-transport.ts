/**
 * The page transport's content-script half (ARCHITECTURE "Transport"): the background asks the
 * tab's content script to POST a SET message to the merchant's or CA's endpoint, and the content
 * script does so only SAME-ORIGIN with the page, so the wallet needs no host permissions and can
 * never be used to reach another site. The reply's body is read with a size limit.
 */
import { readText } from '../protocol/body.ts';
import { MAX_WIRE_BYTES } from '../protocol/messages/wire-limit.ts';
import type { TransportReply } from '../wallet/messages.ts';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Why `url` may not be posted to from a page on `pageOrigin`, or undefined when it may: it must
 * be http(s), carry no credentials, and be on the page's own origin.
 *
 * The endpoint is not required to be declared by the page *now*: a checkout page may reload itself
 * while a payment is under way, and the wallet must then re-send the same PReq (or ask with
 * InqReq) through the reloaded page. The background only ever sends the endpoint of an
 * initiation it parsed against this origin.
 */
export function transportUrlProblem(url: string, pageOrigin: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'not http(s)';
  if (parsed.username || parsed.password) return 'carries credentials';
  if (parsed.origin !== pageOrigin) return `not on the page's origin ${pageOrigin}`;
  return undefined;
}

/**
 * POSTs one SET message same-origin and answers with a TransportReply (never throws). Redirects
 * are refused (they could lead off the origin), and no cache is used.
 */
export async function postSetMessage(
  fetchFn: FetchLike,
  url: string,
  body: string,
  pageOrigin: string,
  limit = MAX_WIRE_BYTES,
): Promise<TransportReply> {
  const problem = transportUrlProblem(url, pageOrigin);
  if (problem) return { ok: false, error: `refused: the endpoint is ${problem}` };
  try {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      credentials: 'same-origin',
      redirect: 'error',
      cache: 'no-store',
    });
    const text = await readText(response, limit);
    return { ok: true, status: response.status, body: text };
  } catch (e) {
    return { ok: false, error: (e instanceof Error ? e.message : String(e)).slice(0, 500) };
  }
}

/**
 * Reads an HTTP body (a fetch Request or Response, in Node, a service worker or a page) with a
 * size limit enforced while reading: a declared Content-Length over the limit is refused before a
 * byte is read, and a streamed body is cancelled at the first chunk that crosses it, so no party
 * ever buffers more than `limit` bytes (docs/protocol.md §1 "Size limits"). The one reader every
 * party uses: the SET endpoints, the gateway client, the sites' forms, the content script.
 */
import { SetError } from './errors.ts';

export type LimitedBody = { ok: true; bytes: Uint8Array } | { ok: false; tooBig: true };

export async function readLimitedBody(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  limit: number,
): Promise<LimitedBody> {
  const declared = message.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limit) {
    return { ok: false, tooBig: true };
  }
  if (!message.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return { ok: false, tooBig: true };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, bytes };
}

/** The body within `limit`, or a SetError `messageTooBig` naming the limit. */
export async function readBody(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  limit: number,
): Promise<Uint8Array> {
  const body = await readLimitedBody(message, limit);
  if (!body.ok) throw new SetError('messageTooBig', `the body is over ${limit} bytes`);
  return body.bytes;
}

/** The body as UTF-8 text within `limit` (a SetError `messageTooBig` beyond, malformed if not UTF-8). */
export async function readText(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  limit: number,
): Promise<string> {
  return new TextDecoder('utf-8', { fatal: true }).decode(await readBody(message, limit));
}

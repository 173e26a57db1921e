/**
 * Reads an HTTP body with a size limit enforced while reading: a declared Content-Length over the
 * limit is refused before a byte is read, and a chunked body is cut off at the first chunk that
 * crosses it, so an endpoint never buffers more than `limit` bytes (SET-PROFILE: messageTooBig).
 */
import { SetError } from '../protocol/index.ts';

export async function readBody(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  limit: number,
): Promise<Uint8Array> {
  const declared = message.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooBig(limit);
  if (!message.body) return new Uint8Array(0);
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooBig(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function tooBig(limit: number): SetError {
  return new SetError('messageTooBig', `the body is over ${limit} bytes`);
}

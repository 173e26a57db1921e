/**
 * Reads a request body up to a limit without ever buffering more than the limit: a declared
 * Content-Length over it is refused before reading, and a streamed body is cancelled as soon as
 * it passes it (SET/2 messages are at most 256 KiB: docs/protocol.md §1 "Size limits").
 */
export async function readBounded(req: Request, limit: number): Promise<Uint8Array | 'tooBig'> {
  const declared = req.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) return 'tooBig';
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return 'tooBig';
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

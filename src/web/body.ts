/**
 * Reads a request body up to a limit without buffering more than the limit: a sender that
 * declares or streams more is cut off at once (SET/2's size limits are checked before parsing).
 */
export type LimitedBody = { ok: true; bytes: Uint8Array } | { ok: false; tooBig: true };

export async function readLimitedBody(req: Request, maxBytes: number): Promise<LimitedBody> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) return { ok: false, tooBig: true };
  if (!req.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return { ok: false, tooBig: true };
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return { ok: true, bytes };
}

/**
 * Reads an HTTP body (a fetch Request or Response, in Node, a service worker or a page) with a
 * size limit enforced while reading: a declared Content-Length over the limit is refused before a
 * byte is read, and a streamed body is cancelled at the first chunk that crosses it, so no party
 * ever buffers more than `limit` bytes (docs/protocol.md §1 "Size limits"). The one reader every
 * party uses: the SET endpoints, the gateway client, the sites' forms, the content script.
 */
import { SetError } from './errors.ts';

export type LimitedBody = { ok: true; bytes: Uint8Array } | { ok: false; tooBig: true };

/** True when a declared Content-Length is over `limit`: refused before a byte is read. */
export function declaredOverLimit(declared: string | null | undefined, limit: number): boolean {
  return declared != null && /^\d+$/.test(declared.trim()) && Number(declared) > limit;
}

/**
 * The chunks of one body, counted as they arrive: `push` answers false at the first chunk that
 * crosses the limit (the caller stops reading there), `bytes` joins what was kept. Shared by the
 * fetch reader below and by servers that read Node's request stream directly (the gateway's POST /set).
 */
export class LimitedChunks {
  private readonly chunks: Uint8Array[] = [];
  private total = 0;
  constructor(private readonly limit: number) {}

  push(chunk: Uint8Array): boolean {
    this.total += chunk.byteLength;
    if (this.total > this.limit) return false;
    this.chunks.push(chunk);
    return true;
  }

  /** A fresh array of its own (never a view into a pooled buffer of the chunks'). */
  bytes(): Uint8Array {
    const bytes = new Uint8Array(this.total);
    let at = 0;
    for (const c of this.chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    return bytes;
  }
}

export async function readLimitedBody(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  limit: number,
): Promise<LimitedBody> {
  if (declaredOverLimit(message.headers.get('content-length'), limit)) return { ok: false, tooBig: true };
  if (!message.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = message.body.getReader();
  const kept = new LimitedChunks(limit);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!kept.push(value)) {
      await reader.cancel().catch(() => {});
      return { ok: false, tooBig: true };
    }
  }
  return { ok: true, bytes: kept.bytes() };
}

/**
 * A server's request stream that emits its chunks as events: Node's IncomingMessage, described
 * by shape so the protocol stays free of Node's types. Its lower-case headers as Node gives them.
 */
export interface ChunkEvents {
  headers: Record<string, string | string[] | undefined>;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'error' | 'close', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  off(event: 'end', listener: () => void): unknown;
}

/**
 * readLimitedBody for a request read on its events rather than through a fetch Request: the same
 * declared-length refusal and the same limit while reading. Null when the client went away (an
 * error or a close before the body's end): there is nobody to answer.
 */
export function readLimitedEvents(req: ChunkEvents, limit: number): Promise<LimitedBody | null> {
  return new Promise((resolve) => {
    const declared = req.headers['content-length'];
    if (declaredOverLimit(typeof declared === 'string' ? declared : undefined, limit)) {
      resolve({ ok: false, tooBig: true });
      return;
    }
    const kept = new LimitedChunks(limit);
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
    };
    const onData = (chunk: Uint8Array) => {
      if (kept.push(chunk)) return;
      // Nothing more is kept; the server discards the rest once it has answered.
      stop();
      resolve({ ok: false, tooBig: true });
    };
    const onEnd = () => {
      stop();
      resolve({ ok: true, bytes: kept.bytes() });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    // A promise settles once: after 'end' or a refusal these change nothing.
    req.on('error', () => resolve(null));
    req.on('close', () => resolve(null));
  });
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

/**
 * An observer's copy of a body (a transcript): its UTF-8 text when it is within `limit`, else
 * undefined. Unlike readLimitedBody it reads to the end, dropping what is over the limit, and
 * never cancels: the copy is one branch of a cloned request, and cancelling it stalls or closes
 * the connection on which the endpoint still answers its own branch. A declared length over the
 * limit is not read at all.
 */
export async function observedText(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  limit: number,
): Promise<string | undefined> {
  if (declaredOverLimit(message.headers.get('content-length'), limit)) return undefined;
  if (!message.body) return '';
  const reader = message.body.getReader();
  const kept = new LimitedChunks(limit);
  let within = true;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (within) within = kept.push(value);
  }
  if (!within) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(kept.bytes());
  } catch {
    return undefined;
  }
}

/** The body as UTF-8 text within `limit` (a SetError `messageTooBig` beyond, malformed if not UTF-8). */
export async function readText(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  limit: number,
): Promise<string> {
  return new TextDecoder('utf-8', { fatal: true }).decode(await readBody(message, limit));
}

// The one size-limited body reader (src/protocol/body.ts) every party uses.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBody, readLimitedBody } from '../../src/protocol/body.ts';
import { SetError } from '../../src/protocol/errors.ts';

/** A body that streams `chunks` and records whether the reader cancelled it. */
function streamed(chunks: number[]): { request: Request; cancelled: () => boolean; pulled: () => number } {
  let cancelled = false;
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const size = chunks[pulled++];
      if (size === undefined) controller.close();
      else controller.enqueue(new Uint8Array(size).fill(0x61));
    },
    cancel() {
      cancelled = true;
    },
  });
  const request = new Request('http://127.0.0.1/', { method: 'POST', body, duplex: 'half' } as RequestInit);
  return { request, cancelled: () => cancelled, pulled: () => pulled };
}

describe('readLimitedBody', () => {
  it('reads a body up to and including the limit, in one piece', async () => {
    const { request } = streamed([3, 4, 3]);
    const read = await readLimitedBody(request, 10);
    expect(read).toEqual({ ok: true, bytes: new Uint8Array(10).fill(0x61) });
  });

  it('refuses a declared Content-Length over the limit before reading a byte', async () => {
    const headers = new Headers({ 'content-length': '11' });
    let touched = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull() {
          touched = true;
        },
      },
      { highWaterMark: 0 }, // pulled only when read
    );
    expect(await readLimitedBody({ headers, body }, 10)).toEqual({ ok: false, tooBig: true });
    expect(touched).toBe(false);
  });

  it('cancels a streamed body at the first chunk over the limit', async () => {
    const s = streamed([6, 6, 1000, 1000]);
    expect(await readLimitedBody(s.request, 10)).toEqual({ ok: false, tooBig: true });
    expect(s.cancelled()).toBe(true);
    expect(s.pulled()).toBeLessThanOrEqual(3);
  });

  it('reads no body as empty, and a Response as well as a Request', async () => {
    expect(await readLimitedBody({ headers: new Headers(), body: null }, 10)).toEqual({
      ok: true,
      bytes: new Uint8Array(0),
    });
    expect(await readLimitedBody(new Response('hello'), 5)).toEqual({
      ok: true,
      bytes: new TextEncoder().encode('hello'),
    });
  });

  it('readBody throws a SetError messageTooBig naming the limit', async () => {
    const e = await readBody(new Response('x'.repeat(20)), 8).catch((e: unknown) => e);
    expect(e).toBeInstanceOf(SetError);
    expect((e as SetError).code).toBe('messageTooBig');
    expect((e as SetError).message).toContain('8 bytes');
  });
});

/** Every .ts/.tsx file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('one body reader', () => {
  // What reads a whole body by other means, and why it may: none of them is an HTTP body a party
  // receives. src/demo drives browsers (Playwright's page.text() and the like) and is left out.
  const ALLOWED: Record<string, string> = {
    'src/web/forms.ts': 'formData() of the bytes readLimitedBody already read within the limit',
    'src/store/assets.ts': 'res.json() in the script the store serves to the shopper’s browser',
    'src/merchant/browser/pay-with-set.ts': 'the checkout element imports nothing (one ES module)',
    'src/ui/pages/options/RestoreBackup.tsx': 'a File the user chose, not an HTTP body',
  };
  const ROOT = join(import.meta.dirname, '../..');

  it('src/ reads HTTP bodies only through src/protocol/body.ts (directly or through readForm)', () => {
    const offenders: string[] = [];
    for (const file of sources(join(ROOT, 'src'))) {
      const rel = relative(ROOT, file).replaceAll('\\', '/');
      if (rel.startsWith('src/demo/') || rel === 'src/protocol/body.ts' || ALLOWED[rel]) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\.(text|json|arrayBuffer|formData|blob|bytes)\(\)|parseBody\(|bodyLimit\(/.test(line)) {
            offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    expect(offenders).toEqual([]);
  });
});

// The content script's half of the page transport (src/content/page-transport.ts): it POSTs only
// same-origin http(s), refuses redirects, and reads the reply with a size limit.
import { describe, expect, it } from 'vitest';
import { type FetchLike, postSetMessage, transportUrlProblem } from '../../src/content/page-transport.ts';
import { readText } from '../../src/protocol/body.ts';

const SHOP = 'https://shop.example';

describe('transport URL guard', () => {
  it('allows the page origin only', () => {
    expect(transportUrlProblem(`${SHOP}/set`, SHOP)).toBeUndefined();
    expect(transportUrlProblem(`${SHOP}/other/path?x=1`, SHOP)).toBeUndefined();
    expect(transportUrlProblem('http://127.0.0.1:8802/set', 'http://127.0.0.1:8802')).toBeUndefined();
  });

  it.each([
    ['another host', 'https://evil.example/set'],
    ['a sub-domain', 'https://pay.shop.example/set'],
    ['another port', 'https://shop.example:8443/set'],
    ['another scheme', 'http://shop.example/set'],
    ['credentials', 'https://user:pw@shop.example/set'],
    ['a data URL', 'data:text/plain,hello'],
    ['a javascript URL', 'javascript:alert(1)'],
    ['a relative URL', '/set'],
    ['not a URL', 'not a url'],
  ])('refuses %s', (_what, url) => {
    expect(transportUrlProblem(url, SHOP)).toBeTypeOf('string');
  });
});

function recordingFetch(response: () => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchFn: FetchLike = async (url, init) => {
    calls.push({ url, init });
    return response();
  };
  return { calls, fetchFn };
}

describe('postSetMessage', () => {
  it('POSTs the body same-origin and answers with the status and text', async () => {
    const { calls, fetchFn } = recordingFetch(() => new Response('{"reply":1}', { status: 200 }));
    const reply = await postSetMessage(fetchFn, `${SHOP}/set`, '{"msg":1}', SHOP);
    expect(reply).toEqual({ ok: true, status: 200, body: '{"reply":1}' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.init).toMatchObject({
      method: 'POST',
      body: '{"msg":1}',
      redirect: 'error',
      credentials: 'same-origin',
      cache: 'no-store',
    });
  });

  it('passes a SET Error with its 4xx status through', async () => {
    const { fetchFn } = recordingFetch(() => new Response('{"type":"Error"}', { status: 400 }));
    expect(await postSetMessage(fetchFn, `${SHOP}/set`, 'x', SHOP)).toEqual({
      ok: true,
      status: 400,
      body: '{"type":"Error"}',
    });
  });

  it('never calls fetch for another origin', async () => {
    const { calls, fetchFn } = recordingFetch(() => new Response('nope'));
    const reply = await postSetMessage(fetchFn, 'https://evil.example/set', 'x', SHOP);
    expect(reply.ok).toBe(false);
    expect(calls).toHaveLength(0);
  });

  it('turns a network failure into a transport error reply', async () => {
    const fetchFn: FetchLike = async () => {
      throw new TypeError('Failed to fetch');
    };
    expect(await postSetMessage(fetchFn, `${SHOP}/set`, 'x', SHOP)).toEqual({
      ok: false,
      error: 'Failed to fetch',
    });
  });

  it('refuses a reply over the limit, declared or streamed', async () => {
    const declared = recordingFetch(() => new Response('x', { headers: { 'content-length': '1000' } }));
    expect((await postSetMessage(declared.fetchFn, `${SHOP}/set`, 'x', SHOP, 100)).ok).toBe(false);
    const streamed = recordingFetch(() => {
      const chunk = new Uint8Array(64).fill(0x61);
      let sent = 0;
      return new Response(
        new ReadableStream({
          pull(c) {
            if (sent++ < 4) c.enqueue(chunk);
            else c.close();
          },
        }),
      );
    });
    const reply = await postSetMessage(streamed.fetchFn, `${SHOP}/set`, 'x', SHOP, 100);
    expect(reply).toMatchObject({ ok: false });
  });

  it('reads a reply at the limit exactly', async () => {
    expect(await readText(new Response('a'.repeat(100)), 100)).toBe('a'.repeat(100));
    await expect(readText(new Response(new Uint8Array([0xff, 0xfe])), 100)).rejects.toThrow();
  });
});

/**
 * Sends one SET/2 message over HTTP and returns the reply's text. A reply that is a SET Error is
 * turned into the SetWalletError it reports; anything else that is not a SET message is an error
 * naming the status, so a misconfigured URL says so instead of failing to parse.
 */
import { readLimitedBody } from '../protocol/body.ts';
import { decodeWire, type ParsedCertificate, readError, TrustStore } from '../protocol/index.ts';
import { setWalletError } from './set-wallet-error.ts';

const MAX_REPLY_BYTES = 512 * 1024;

export async function postSet(url: string, wire: string, roots: ParsedCertificate[] = []): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: wire });
  } catch (e) {
    throw new Error(`cannot reach ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let body: Awaited<ReturnType<typeof readLimitedBody>>;
  try {
    body = await readLimitedBody(res, MAX_REPLY_BYTES);
  } catch (e) {
    throw new Error(`${url} broke off its answer: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!body.ok)
    throw new Error(`${url} answered with more than ${MAX_REPLY_BYTES} bytes; that is no SET message`);
  let text: string;
  let type: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body.bytes);
    type = decodeWire(text).type;
  } catch {
    throw new Error(`${url} answered HTTP ${res.status} without a SET message`);
  }
  if (type === 'Error') {
    throw setWalletError(
      (await readError(text, { trust: new TrustStore(roots), clock: { now: new Date() } })).content,
      'ca',
    );
  }
  return text;
}

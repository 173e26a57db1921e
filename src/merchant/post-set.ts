/**
 * Sends one SET/2 message over HTTP and returns the reply's text. A reply that is a SET Error is
 * turned into the SetWalletError it reports; anything else that is not a SET message is an error
 * naming the status, so a misconfigured URL says so instead of failing to parse.
 */
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
  const text = await res.text();
  if (text.length > MAX_REPLY_BYTES)
    throw new Error(`${url} answered with ${text.length} bytes; that is no SET message`);
  let type: string | undefined;
  try {
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

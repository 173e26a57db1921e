/**
 * What a merchant process sets up once at start (createSetEndpoint, createGatewayClient): its
 * keys imported, and the platform's native encodings.
 *
 * On Node (or any runtime with a Buffer), base64url and hex go through Buffer's native code; the
 * protocol still checks every input itself (src/protocol/encoding.ts NativeCodec). Elsewhere
 * nothing changes.
 */
import {
  type BufferLike,
  exchangeKey,
  nodeBufferCodec,
  signingKey,
  useNativeCodec,
} from '../protocol/index.ts';
import type { MerchantKeys } from './keys.ts';

export function installNativeCodec(): void {
  const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;
  if (NodeBuffer) useNativeCodec(nodeBufferCodec(NodeBuffer));
}

/**
 * Imports the merchant's signature and key-exchange keys (non-extractable WebCrypto keys, kept
 * with the key bytes, which the caller keeps) now, not on the first request.
 */
export async function importMerchantKeys(keys: MerchantKeys): Promise<void> {
  await Promise.all([signingKey(keys.signature.privateKey), exchangeKey(keys.keyExchange.privateKey)]);
}

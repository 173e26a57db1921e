/**
 * What a merchant process sets up once at start (createSetEndpoint, createGatewayClient): its
 * keys imported, and the platform's native encodings and cryptography.
 *
 * On Node (or any runtime with a Buffer), base64url and hex go through Buffer's native code; the
 * protocol still checks every input itself (src/protocol/encoding.ts NativeCodec). The
 * public-key primitives and AES-GCM run on node:crypto (src/protocol/primitives/provider.ts),
 * with the protocol's own curve, range and low-S checks around every call.
 */
import * as nodeCrypto from 'node:crypto';
import {
  type BufferLike,
  exchangeKey,
  nodeBufferCodec,
  nodeCryptoProvider,
  signingKey,
  useCryptoProvider,
  useNativeCodec,
} from '../protocol/index.ts';
import type { MerchantKeys } from './keys.ts';

export function installNativePlatform(): void {
  const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;
  if (NodeBuffer) useNativeCodec(nodeBufferCodec(NodeBuffer));
  useCryptoProvider(nodeCryptoProvider(nodeCrypto));
}

/**
 * Imports the merchant's signature and key-exchange keys (platform keys, kept
 * with the key bytes, which the caller keeps) now, not on the first request.
 */
export async function importMerchantKeys(keys: MerchantKeys): Promise<void> {
  await Promise.all([signingKey(keys.signature.privateKey), exchangeKey(keys.keyExchange.privateKey)]);
}

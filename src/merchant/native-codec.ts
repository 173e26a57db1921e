/**
 * On Node (or any runtime with a Buffer), base64url and hex go through Buffer's native code; the
 * protocol still checks every input itself (src/protocol/encoding.ts NativeCodec). Elsewhere
 * nothing changes.
 */
import { type BufferLike, nodeBufferCodec, useNativeCodec } from '../protocol/index.ts';

export function installNativeCodec(): void {
  const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;
  if (NodeBuffer) useNativeCodec(nodeBufferCodec(NodeBuffer));
}

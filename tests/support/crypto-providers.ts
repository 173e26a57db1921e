/**
 * The two providers of SET/2's public-key primitives (src/protocol/primitives/provider.ts): the
 * wallet's WebCrypto and the servers' node:crypto. Vector tests run every native path on both.
 */
import * as nodeCrypto from 'node:crypto';
import { nodeCryptoProvider } from '../../src/protocol/primitives/node-provider.ts';
import { type CryptoProvider, webCryptoProvider } from '../../src/protocol/primitives/provider.ts';

/** The server's provider, as gateway, CA and merchant install it. */
export const NODE_CRYPTO_PROVIDER: CryptoProvider = nodeCryptoProvider(nodeCrypto);

export const CRYPTO_PROVIDERS: readonly CryptoProvider[] = [webCryptoProvider, NODE_CRYPTO_PROVIDER];

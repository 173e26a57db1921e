export * from './aead.ts';
export * from './ecdh.ts';
export * from './ecdsa.ts';
export * from './hash.ts';
export * from './hpke.ts';
export * from './provider.ts';

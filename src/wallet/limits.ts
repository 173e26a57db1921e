/**
 * Size limits shared by the wallet's schemas (messages.ts) and the code that enforces them. A leaf
 * module on purpose: the content script and the wallet pages import messages.ts, and must not pull
 * in the vault, the roots or the PKI through it.
 */
export const MAX_ROOT_PEM_BYTES = 16 * 1024;
export const MAX_BACKUP_BYTES = 8 * 1024 * 1024;
export const MIN_PASSPHRASE_LENGTH = 8;
export const MAX_PASSPHRASE_LENGTH = 1024;

/**
 * The one size no SET/2 message exceeds on the wire (each type has its own, lower or equal, limit
 * in wire.ts). A leaf, so the wallet's content script can enforce it without loading the parsers.
 */
export const MAX_WIRE_BYTES = 256 * 1024;

/**
 * A signed message that is not sealed (SET-PROFILE §4: a request whose content needs no secrecy,
 * such as PCertReq, TransListReq, BatchAdminReq or NotifyRegReq, and every signed answer such as
 * CardCInitRes, PInitRes or PRes): the content as SignedData by the sender's signature
 * certificate, the clear header derived from the content, and the certificates the receiver needs
 * to build the signer's path. One builder, so that every such message is made the same way.
 */
import type { ParsedCertificate } from '../pki/types.ts';
import { type HeaderSource, headerFor } from './header.ts';
import { type SignedBody, type Signer, signContent } from './signed.ts';
import { carriedCerts } from './trust.ts';
import { type Header, type MessageType, makeWire, type Wire } from './wire.ts';

/** What a signed message carries besides the signer's chain. */
export interface SignedMessageOptions {
  /** Other chains the receiver needs (a key-exchange certificate and its CAs). */
  chains?: readonly (readonly ParsedCertificate[])[];
  /** Thumbprints the receiver said it holds (SET's Thumbs): those certificates are not carried. */
  peerThumbs?: readonly string[];
  /** The clear header, when it is not the content's own (an Error names the offending message's IDs). */
  hdr?: Header;
}

/**
 * Signs `content` with `signer` and wraps it as a `type` message: header from the content, body
 * SignedData, the signer's chain and `chains` carried (roots and what the receiver holds left out).
 */
export async function signedMessage<T extends MessageType, C extends HeaderSource>(
  type: T,
  content: C,
  signer: Signer & { chain: readonly ParsedCertificate[] },
  options: SignedMessageOptions = {},
): Promise<Wire<T, SignedBody>> {
  return makeWire(type, options.hdr ?? headerFor(content), await signContent(content, signer), {
    certs: carriedCerts([signer.chain, ...(options.chains ?? [])], options.peerThumbs),
  });
}

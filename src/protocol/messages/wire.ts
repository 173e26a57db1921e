/**
 * The SET/2 message wrapper (SET Book 2 "MessageWrapper"; SET-PROFILE §2, §4): a JSON envelope
 * naming the version and message type, a clear header for routing and for Error replies, a
 * type-specific body, and the certificates, CRLs and BrandCRLIdentifier the receiver may need.
 *
 * decodeWire checks, in this order: size, JSON, version, type, how many certificates and CRLs
 * it carries, envelope shape, the type's own size limit. Message modules then check the body and the signed dates.
 */
import * as v from 'valibot';
import { parseJsonBytes, utf8 } from '../encoding.ts';
import { fail, SetError } from '../errors.ts';
import { b64uMax, Label, Nonce, parseWith, Timestamp } from './fields.ts';
import { MAX_WIRE_BYTES } from './wire-limit.ts';

export const PROTOCOL_VERSION = 2;
export const VERSION_STRING = `SET/${PROTOCOL_VERSION}`;

/** No SET/2 message may exceed this on the wire; each type has its own, lower or equal, limit. */
export { MAX_WIRE_BYTES };

/**
 * Per-type limits (bytes of the whole wire message). Messages carrying certificate chains get more
 * room. Its keys are SET/2's message types (MESSAGE_TYPES, in this order).
 */
const LIMITS = {
  CardCInitReq: 4 * 1024,
  CardCInitRes: 48 * 1024,
  RegFormReq: 8 * 1024,
  RegFormRes: 96 * 1024,
  CertReq: 32 * 1024,
  CertRes: 48 * 1024,
  CertInqReq: 8 * 1024,
  CertInqRes: 48 * 1024,
  'Me-AqCInitReq': 8 * 1024,
  'Me-AqCInitRes': 96 * 1024,
  PInitReq: 4 * 1024,
  PInitRes: 64 * 1024,
  PReq: 64 * 1024,
  PRes: 48 * 1024,
  InqReq: 32 * 1024,
  InqRes: 48 * 1024,
  AuthReq: 128 * 1024,
  AuthRes: 48 * 1024,
  CapReq: 48 * 1024,
  CapRes: 48 * 1024,
  CapRevReq: 48 * 1024,
  CapRevRes: 48 * 1024,
  AuthRevReq: 48 * 1024,
  AuthRevRes: 48 * 1024,
  CredReq: 48 * 1024,
  CredRes: 48 * 1024,
  CredRevReq: 48 * 1024,
  CredRevRes: 48 * 1024,
  PCertReq: 16 * 1024,
  PCertRes: 48 * 1024,
  TransListReq: 16 * 1024,
  // 48 KiB of signed content (a page of MAX_TRANS_LIST_LIMIT) as base64url, and the gateway's chain.
  TransListRes: 80 * 1024,
  NotifyRegReq: 16 * 1024,
  NotifyRegRes: 24 * 1024,
  Notification: 24 * 1024,
  BatchAdminReq: 16 * 1024,
  // 48 KiB of signed content (a detail page of MAX_BATCH_DETAIL) as base64url, and the gateway's chain.
  BatchAdminRes: 80 * 1024,
  Error: 48 * 1024,
};
export type MessageType = keyof typeof LIMITS;
export const WIRE_LIMITS: Record<MessageType, number> = LIMITS;
/** SET/2's message types: the keys of WIRE_LIMITS (one list, not two, in the service worker too). */
export const MESSAGE_TYPES = Object.keys(LIMITS) as readonly MessageType[];

/** The clear header (SET MessageWrapper MessageID + RRPID + date). Signed content repeats what matters. */
export const Header = v.strictObject({
  date: Timestamp,
  rrpid: Nonce,
  lidC: v.optional(Label),
  lidM: v.optional(Label),
  xid: v.optional(Nonce),
  lidEE: v.optional(Label),
  lidCA: v.optional(Label),
});
export type Header = v.InferOutput<typeof Header>;

const MAX_CERT_BYTES = 4096;
/**
 * Certificates one message may carry: two chains of root, brand, geo-CA, CA and end entity need
 * eight (roots are never carried). A bound keeps chain building's work per message fixed.
 */
export const MAX_CARRIED_CERTS = 10;
/** CRLs one message may carry: one per CA of a brand (brand, geo, CCA, MCA, PCA) with room. */
export const MAX_CARRIED_CRLS = 8;
const Envelope = v.strictObject({
  set: v.string(),
  type: v.picklist(MESSAGE_TYPES),
  hdr: v.unknown(),
  body: v.pipe(v.record(v.string(), v.unknown())),
  certs: v.optional(v.pipe(v.array(b64uMax(MAX_CERT_BYTES)), v.maxLength(MAX_CARRIED_CERTS))),
  crls: v.optional(v.pipe(v.array(b64uMax(16 * 1024)), v.maxLength(MAX_CARRIED_CRLS))),
  bci: v.optional(v.unknown()),
});

export interface Wire<T extends MessageType = MessageType, B = Record<string, unknown>> {
  set: string;
  type: T;
  hdr: Header;
  body: B;
  /** base64url DER certificates: the signer's chain (never the root) and any certificate the peer needs. */
  certs?: string[];
  /** base64url DER CRLs. */
  crls?: string[];
  /** The signed BrandCRLIdentifier, when the requester's thumbprints show it is missing. */
  bci?: unknown;
}

/** Throws versionTooOld / versionTooNew / badMessageHeader for a `set` field that is not SET/2. */
export function checkVersion(set: unknown): void {
  const m = typeof set === 'string' ? /^SET\/(\d{1,3})$/.exec(set) : null;
  if (!m?.[1]) fail('badMessageHeader', 'the message does not name a SET version ("set": "SET/2")');
  const n = Number(m[1]);
  if (n < PROTOCOL_VERSION)
    fail('versionTooOld', `${set} is older than ${VERSION_STRING}, the only version spoken here`);
  if (n > PROTOCOL_VERSION)
    fail('versionTooNew', `${set} is newer than ${VERSION_STRING}, the only version spoken here`);
}

/**
 * What a receiver takes: the message's text or UTF-8 bytes, or the Wire that decodeWire made of
 * them, so that an endpoint that decoded a message to route it does not parse and check it again.
 */
export type WireInput = string | Uint8Array | Wire;

/** The Wires decodeWire returned: only those are taken as already decoded. */
const decodedWires = new WeakSet<Wire>();

/**
 * Parses the wire form of any SET/2 message (string or UTF-8 bytes) up to its envelope. A Wire
 * this function returned is returned as is; any other Wire object is encoded and decoded, so it
 * passes every check here as bytes would.
 */
export function decodeWire(input: WireInput): Wire {
  if (typeof input === 'object' && !(input instanceof Uint8Array)) {
    return decodedWires.has(input) ? input : decodeWire(encodeWire(input));
  }
  const bytes = typeof input === 'string' ? utf8(input) : input;
  const json = parseJsonBytes(bytes, MAX_WIRE_BYTES, 'the message');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail('decodingFailure', 'a SET/2 message is a JSON object');
  }
  checkVersion((json as { set?: unknown }).set);
  const type = (json as { type?: unknown }).type;
  if (typeof type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(type)) {
    const named =
      typeof type === 'string' ? `"${type.slice(0, 40)}"` : `a ${type === null ? 'null' : typeof type}`;
    fail('messageNotSupported', `${named} is not a SET/2 message type`);
  }
  const { certs, crls } = json as { certs?: unknown; crls?: unknown };
  if (Array.isArray(certs) && certs.length > MAX_CARRIED_CERTS) {
    fail(
      'messageTooBig',
      `${type} carries ${certs.length} certificates; at most ${MAX_CARRIED_CERTS} are taken`,
    );
  }
  if (Array.isArray(crls) && crls.length > MAX_CARRIED_CRLS) {
    fail('messageTooBig', `${type} carries ${crls.length} CRLs; at most ${MAX_CARRIED_CRLS} are taken`);
  }
  const env = parseWith(Envelope, json, 'message');
  const hdr = parseHeader(env.hdr);
  if (bytes.length > WIRE_LIMITS[env.type]) {
    fail('messageTooBig', `${env.type} is ${bytes.length} bytes; the limit is ${WIRE_LIMITS[env.type]}`);
  }
  const wire = { ...env, hdr } as Wire;
  decodedWires.add(wire);
  return wire;
}

export function parseHeader(hdr: unknown): Header {
  try {
    return parseWith(Header, hdr, 'hdr');
  } catch (e) {
    if (e instanceof SetError) throw new SetError('badMessageHeader', e.message);
    throw e;
  }
}

/** Decodes and checks that the message is of `type`. */
export function decodeWireOf<T extends MessageType>(input: WireInput, type: T): Wire<T> {
  const wire = decodeWire(input);
  if (wire.type !== type) fail('messageNotSupported', `expected ${type}, got ${wire.type}`);
  return wire as Wire<T>;
}

export function encodeWire(wire: Wire): string {
  return JSON.stringify(wire);
}

export function makeWire<T extends MessageType, B>(
  type: T,
  hdr: Header,
  body: B,
  extra: { certs?: string[]; crls?: string[]; bci?: unknown } = {},
): Wire<T, B> {
  const wire: Wire<T, B> = { set: VERSION_STRING, type, hdr, body };
  if (extra.certs?.length) wire.certs = extra.certs;
  if (extra.crls?.length) wire.crls = extra.crls;
  if (extra.bci !== undefined) wire.bci = extra.bci;
  return wire;
}

export interface Clock {
  now: Date;
  /** How old a message may be (default 10 minutes). */
  maxAgeMs?: number;
  /** How far ahead of our clock a message may be dated (default 5 minutes). */
  maxSkewMs?: number;
}

export const DEFAULT_MAX_AGE_MS = 10 * 60_000;
export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

/** The date window every parser enforces: messageTooOld / messageTooNew. */
export function checkDate(date: string, clock: Clock, what: string): void {
  const at = Date.parse(date);
  const now = clock.now.getTime();
  if (at < now - (clock.maxAgeMs ?? DEFAULT_MAX_AGE_MS))
    fail('messageTooOld', `${what} is dated ${date}, too long ago`);
  if (at > now + (clock.maxSkewMs ?? DEFAULT_MAX_SKEW_MS))
    fail('messageTooNew', `${what} is dated ${date}, in the future`);
}

// Property tests: every parser and verifier, given arbitrary input, either returns or throws a
// SetError carrying one of SET's ErrorCodes, and never anything else (TypeError, RangeError,
// SyntaxError, …). Each property runs 1,000 times. Message verifiers get two kinds of input:
// fully arbitrary text, bytes and JSON (with near-valid envelopes), and valid messages from a real
// run, mutated at the JSON level (replace, delete or add a field anywhere, including inside
// base64url JSON), at the character and byte level (of the wire, or of a decoded base64url field,
// re-encoded), or inside their signed or sealed content, which the real author then signs and
// seals again so that the checks after the signature see the altered content.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AEAD_NONCE_LENGTH,
  type Amount,
  type AuthReqData,
  aeadSeal,
  b64u,
  buildBrandCrlIdentifier,
  buildCardCInitReq,
  buildCardCInitRes,
  buildCertReq,
  buildCertRes,
  buildErrorFor,
  buildFollowUp,
  buildFollowUpResponse,
  buildInqReq,
  buildInqRes,
  buildMeAqCInitReq,
  buildMeAqCInitRes,
  buildPReq,
  buildRegFormReq,
  buildRegFormRes,
  type CardCInitReqContent,
  type CertReqData,
  certificateToPem,
  crlToPem,
  decodeWire,
  dualSign,
  ERROR_CODES,
  encodeWire,
  FOLLOW_UPS,
  type FollowUpRequest,
  type FollowUpRequestData,
  fromB64u,
  generateKeyPair,
  type Header,
  type HeaderSource,
  headerFor,
  type InqReqContent,
  issueCrl,
  issueFromCertReq,
  jsonBytes,
  MESSAGE_TYPES,
  type MeAqCInitReqContent,
  type MessageType,
  makeWire,
  openCertReq,
  openRegFormReq,
  type ParsedCertificate,
  type ParsedCrl,
  type PendingOrder,
  type PendingRegistration,
  type PInitReqContent,
  parseCardCInitReq,
  parseCertificate,
  parseCrl,
  parseHeader,
  parseMeAqCInitReq,
  parsePaymentInitiation,
  parsePInitReq,
  parseRegistrationInitiation,
  pemToDers,
  type RegFormReqData,
  randomBytes,
  readError,
  SetError,
  type SignedBody,
  type Signer,
  sealTo,
  sha256,
  signContent,
  signWithKey,
  TrustStore,
  utf8,
  type VerifyContext,
  verifyAuthReq,
  verifyAuthRes,
  verifyBrandCrlIdentifier,
  verifyCardCInitRes,
  verifyCertRes,
  verifyFollowUp,
  verifyFollowUpResponse,
  verifyInqReq,
  verifyInqRes,
  verifyMeAqCInitRes,
  verifyPInitRes,
  verifyPReq,
  verifyPRes,
  verifyRegFormRes,
  type Wire,
} from '../../src/protocol/index.ts';
import { paymentInitiation } from '../support/initiations.ts';
import {
  issueCardholder,
  makeWorld,
  type Party,
  TEST_REG_FORM,
  TestGateway,
  TestMerchant,
  TestWallet,
  type World,
} from '../support/world.ts';

const RUNS = 1000;

/**
 * Runs `fn`. Returning is fine; throwing a SetError whose code is one of SET's ErrorCodes is fine;
 * anything else is rethrown unchanged, so fast-check reports it with its own class and stack.
 */
function expectOnlySetErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof SetError) {
      if ((ERROR_CODES as readonly string[]).includes(e.code)) return;
      throw new Error(`SetError with a code that is not a SET ErrorCode: ${String(e.code)}`, { cause: e });
    }
    throw e;
  }
}

/** expectOnlySetErrors for an asynchronous parser (the protocol is async where it verifies or opens). */
async function expectOnlySetErrorsAsync(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof SetError) {
      if ((ERROR_CODES as readonly string[]).includes(e.code)) return;
      throw new Error(`SetError with a code that is not a SET ErrorCode: ${String(e.code)}`, { cause: e });
    }
    throw e;
  }
}

/** outcomeOf for an asynchronous call. */
async function outcomeOfAsync(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'accepted';
  } catch (e) {
    return e instanceof SetError ? e.code : `non-SetError ${String(e)}`;
  }
}

/** Outcome of a call: 'accepted', a SET code, or a description of anything else thrown. */
function outcomeOf(fn: () => unknown): string {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    return e instanceof SetError ? e.code : `non-SetError ${String(e)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries.

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const b64uChar = fc.constantFrom(...B64URL_ALPHABET);

/** Keys that trip naive code (prototype names) and keys SET/2 messages use. */
const keyArb = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '__proto__',
      'toString',
      'valueOf',
      'constructor',
      'hasOwnProperty',
      'length',
      'then',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'set',
      'type',
      'hdr',
      'body',
      'certs',
      'crls',
      'bci',
      'content',
      'sig',
      'signer',
      'sealed',
      'baggage',
      'to',
      'enc',
      'ct',
      'iv',
      'date',
      'rrpid',
      'xid',
      'lidC',
      'lidM',
      'lidEE',
      'lidCA',
      'transIds',
      'pi',
      'oi',
      'oiData',
      'hPIData',
      'ds',
      'thumbs',
      'status',
      'amount',
      'requestType',
      'regForm',
      'referral',
      'errorCode',
    ),
  },
);

/** UTF-16 code units one by one: lone surrogates included. */
const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));

const nonceArb = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map(b64u),
  fc.string({ unit: b64uChar, minLength: 43, maxLength: 43 }),
);
const nearNowArb = fc
  .integer({ min: -3_600_000, max: 3_600_000 })
  .map((offset) => new Date(Date.now() + offset).toISOString());
const dateArb = fc.oneof(
  nearNowArb,
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2025-02-30T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '0000-01-01T00:00:00.000Z'),
);
const labelArb = fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ maxLength: 80 }));
const b64uArb = fc.oneof(
  fc.uint8Array({ maxLength: 96 }).map(b64u),
  fc.string({ unit: b64uChar, maxLength: 96 }),
);

/** Values that get past some checks: right-sized nonces, dates, amounts, labels, huge strings. */
const plausibleArb = fc.oneof(
  { weight: 4, arbitrary: nonceArb },
  { weight: 4, arbitrary: dateArb },
  { weight: 4, arbitrary: b64uArb },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'SET/2',
      'SET/1',
      'SETPay',
      'EUR',
      'en',
      '411111',
      '4111111111111111',
      '202912',
      'https://shop.example',
      'approved',
      'declined',
      'cardholder',
      'merchant',
      'gateway',
      0,
      -1,
      -0,
      1e300,
      2 ** 53,
      Number.MAX_SAFE_INTEGER,
      true,
      false,
      null,
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      currency: fc.constantFrom('EUR', 'USD', 'eur'),
      value: fc.oneof(fc.integer(), fc.double()),
      exponent: fc.integer({ min: -1, max: 5 }),
    }),
  },
  // Over the per-type limits, and over MAX_WIRE_BYTES: rarer, as they are costly to encode.
  { weight: 1, arbitrary: fc.constantFrom('A'.repeat(70_000), 'A'.repeat(300_000)) },
);

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.anything({ key: keyArb, maxDepth: 3 }) },
  { weight: 2, arbitrary: plausibleArb },
);

/** Rich JS values (not only JSON) for parsers that take `unknown`. */
const richValue = fc.anything({
  key: keyArb,
  maxDepth: 3,
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  withNullPrototype: true,
  withObjectString: true,
  withBigInt: true,
});

const headerArb = fc.record(
  {
    date: fc.oneof(dateArb, anyValue),
    rrpid: fc.oneof(nonceArb, anyValue),
    lidC: labelArb,
    lidM: labelArb,
    xid: nonceArb,
    lidEE: labelArb,
    lidCA: labelArb,
  },
  { requiredKeys: ['date', 'rrpid'] },
);

/** Near-valid wire envelopes: real versions and types mixed with junk, junk headers and bodies. */
function envelopeArb(types: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.record(
        {
          set: fc.oneof(
            {
              weight: 4,
              arbitrary: fc.constantFrom('SET/2', 'SET/1', 'SET/3', 'x', 'SET/02', 'SET/999', 'SET/1000', ''),
            },
            { weight: 1, arbitrary: anyValue },
          ),
          type: fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...types, ...MESSAGE_TYPES, 'pinitreq', 'Junk', '') },
            { weight: 1, arbitrary: anyValue },
          ),
          hdr: fc.oneof(headerArb, anyValue),
          body: fc.oneof(fc.dictionary(keyArb, anyValue, { maxKeys: 4 }), anyValue),
          certs: fc.oneof(fc.array(b64uArb, { maxLength: 3 }), anyValue),
          crls: fc.oneof(fc.array(b64uArb, { maxLength: 3 }), anyValue),
          bci: anyValue,
        },
        { requiredKeys: ['set', 'type'] },
      ),
      fc.option(fc.tuple(keyArb, anyValue)),
    )
    .map(([env, extra]) => {
      const out: Record<string, unknown> = { ...env };
      if (extra) defineOwn(out, extra[0], extra[1]);
      return out;
    });
}

function stringify(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

// Built once: fast-check builds a reverse index of all code points per 'binary' string arbitrary.
const asciiString = fc.string();
const binaryString = fc.string({ unit: 'binary' });
const utf16String = fc.string({ unit: utf16Unit });
const jsonText = fc.json();
const anyValueText = anyValue.map(stringify);

/** Fully arbitrary wire input, plus near-valid envelopes of `types`. */
function arbitraryWireInput(types: readonly string[]): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    asciiString,
    binaryString,
    utf16String,
    fc.uint8Array({ maxLength: 512 }),
    jsonText,
    anyValueText,
    envelopeArb(types).map(stringify),
    envelopeArb(types).map((e) => utf8(stringify(e))),
  );
}

// ---------------------------------------------------------------------------------------------
// Mutations of valid messages.

/** A base64url field holding JSON bytes, opened up so mutations can reach inside it. */
class Encoded {
  constructor(public inner: unknown) {}
}

function defineOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Encoded);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const NOT_JSON = Symbol('not JSON');

// Test-side base64url through Buffer: the same text as src's b64u, a good deal faster, and this
// code runs on every generated input.
function toB64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** The bytes of canonical unpadded base64url text, else undefined. */
function b64uBytes(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  return toB64u(bytes) === text ? bytes : undefined;
}

function decodeB64Json(text: string): unknown {
  // base64url of "{…" starts with "e"; anything else (DER, signatures, ciphertext) is skipped cheaply.
  if (text.length < 8 || text[0] !== 'e') return NOT_JSON;
  const bytes = b64uBytes(text);
  if (!bytes) return NOT_JSON;
  try {
    const json = strictUtf8.decode(bytes);
    if (!json.startsWith('{')) return NOT_JSON;
    const value = JSON.parse(json) as unknown;
    return JSON.stringify(value) === json ? value : NOT_JSON;
  } catch {
    return NOT_JSON;
  }
}

function expand(value: unknown): unknown {
  if (typeof value === 'string') {
    const inner = decodeB64Json(value);
    return inner === NOT_JSON ? value : new Encoded(expand(inner));
  }
  if (Array.isArray(value)) return value.map(expand);
  if (isRecord(value)) {
    const out = {};
    for (const k of Object.keys(value)) defineOwn(out, k, expand(value[k]));
    return out;
  }
  return value;
}

/** A copy of a generated value, so mutations never alter fast-check's own instances (or build cycles). */
function copyOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyOf);
  if (isRecord(value)) {
    const out = {};
    for (const k of Object.keys(value)) defineOwn(out, k, copyOf(value[k]));
    return out;
  }
  return value;
}

function collapse(value: unknown): unknown {
  if (value instanceof Encoded) return toB64u(utf8(JSON.stringify(collapse(value.inner)) ?? ''));
  if (Array.isArray(value)) return value.map(collapse);
  if (isRecord(value)) {
    const out = {};
    for (const k of Object.keys(value)) defineOwn(out, k, collapse(value[k]));
    return out;
  }
  return value;
}

type Container = Record<string, unknown> | unknown[] | Encoded;
interface Place {
  parent: Container;
  key: string | number;
}

function read(p: Place): unknown {
  if (p.parent instanceof Encoded) return p.parent.inner;
  return (p.parent as Record<string | number, unknown>)[p.key];
}

function write(p: Place, value: unknown): void {
  if (p.parent instanceof Encoded) p.parent.inner = value;
  else if (Array.isArray(p.parent)) p.parent[p.key as number] = value;
  else defineOwn(p.parent, String(p.key), value);
}

function remove(p: Place): void {
  if (p.parent instanceof Encoded) p.parent.inner = undefined;
  else if (Array.isArray(p.parent)) p.parent.splice(p.key as number, 1);
  else delete p.parent[String(p.key)];
}

function placesOf(holder: Record<string, unknown>): Place[] {
  const out: Place[] = [];
  const visit = (p: Place) => {
    out.push(p);
    const value = read(p);
    if (value instanceof Encoded) visit({ parent: value, key: 'inner' });
    else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) visit({ parent: value, key: i });
    else if (isRecord(value)) for (const k of Object.keys(value)) visit({ parent: value, key: k });
  };
  visit({ parent: holder, key: 'root' });
  return out;
}

type Edit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; unit: number }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 15 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    unit: fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.constantFrom(...Array.from('{}[]":,\\ 0-_A=', (c) => c.charCodeAt(0)), 0x00, 0x80, 0xff, 0xd800),
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
const editsArb = fc.array(editArb, { minLength: 1, maxLength: 4 });

function unitIndex(at: number, length: number): number {
  return at % (length + 1);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Applies edits to bytes. */
function editBytes(bytes: Uint8Array, edits: Edit[]): Uint8Array {
  let out = bytes;
  for (const e of edits) {
    const at = unitIndex(e.at, out.length);
    const before = out.subarray(0, at);
    switch (e.kind) {
      case 'flip':
        if (out.length > 0) {
          out = out.slice();
          out[at % out.length]! ^= 1 << (e.bit % 8);
        }
        break;
      case 'insert':
        out = concat(before, Uint8Array.of(e.unit & 0xff), out.subarray(at));
        break;
      case 'delete':
        out = concat(before, out.subarray(at + e.count));
        break;
      case 'truncate':
        out = out.slice(0, at);
        break;
    }
  }
  return out;
}

/** Applies the same edits to UTF-16 code units (so flips and inserts can make lone surrogates). */
function editString(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of edits) {
    const at = unitIndex(e.at, out.length);
    switch (e.kind) {
      case 'flip':
        if (out.length > 0) {
          const i = at % out.length;
          out = out.slice(0, i) + String.fromCharCode(out.charCodeAt(i) ^ (1 << e.bit)) + out.slice(i + 1);
        }
        break;
      case 'insert':
        out = out.slice(0, at) + String.fromCharCode(e.unit) + out.slice(at);
        break;
      case 'delete':
        out = out.slice(0, at) + out.slice(at + e.count);
        break;
      case 'truncate':
        out = out.slice(0, at);
        break;
    }
  }
  return out;
}

type JsonOp =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown }
  | { kind: 'chars'; at: number; edits: Edit[] }
  | { kind: 'bytes'; at: number; edits: Edit[] };

const jsonOpArb: fc.Arbitrary<JsonOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: anyValue }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: keyArb, value: anyValue }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('chars' as const), at: fc.nat(), edits: editsArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), edits: editsArb }) },
);

function pick<T>(list: T[], at: number): T | undefined {
  return list.length === 0 ? undefined : list[at % list.length];
}

function applyJsonOp(holder: Record<string, unknown>, op: JsonOp): void {
  const places = placesOf(holder);
  switch (op.kind) {
    case 'replace': {
      const p = pick(places, op.at);
      if (p) write(p, copyOf(op.value));
      return;
    }
    case 'delete': {
      const p = pick(places, op.at);
      if (p) remove(p);
      return;
    }
    case 'add': {
      const containers = places.map(read).filter((v) => Array.isArray(v) || isRecord(v));
      const c = pick(containers, op.at);
      if (Array.isArray(c)) c.splice(op.at % (c.length + 1), 0, copyOf(op.value));
      else if (isRecord(c)) defineOwn(c, op.key, copyOf(op.value));
      return;
    }
    case 'chars': {
      const p = pick(
        places.filter((q) => typeof read(q) === 'string'),
        op.at,
      );
      if (p) write(p, editString(read(p) as string, op.edits));
      return;
    }
    case 'bytes': {
      // A base64url field: JSON content (re-serialised) or binary (signature, ciphertext, DER).
      const targets = places.filter((q) => {
        const v = read(q);
        return v instanceof Encoded || (typeof v === 'string' && b64uBytes(v) !== undefined);
      });
      const p = pick(targets, op.at);
      if (!p) return;
      const v = read(p);
      const bytes =
        v instanceof Encoded ? utf8(JSON.stringify(collapse(v.inner)) ?? '') : b64uBytes(v as string)!;
      write(p, toB64u(editBytes(bytes, op.edits)));
      return;
    }
  }
}

/**
 * How to alter a valid message: JSON-level edits of the wire (reaching into base64url JSON), edits
 * of the wire text or its UTF-8 bytes, or edits of the signed/sealed content that the real
 * author then signs and seals again (so the checks after the signature see the altered content).
 */
type Plan =
  | { kind: 'json'; base: number; ops: JsonOp[] }
  | { kind: 'content'; base: number; ops: JsonOp[] }
  | { kind: 'text'; base: number; edits: Edit[] }
  | { kind: 'bytes'; base: number; edits: Edit[] };

const jsonOpsArb = fc.array(jsonOpArb, { minLength: 1, maxLength: 3 });
/** Weights json 4, content `contentWeight`, text 2, bytes 1: re-sealing costs an HPKE encapsulation. */
function planArbWith(contentWeight: number): fc.Arbitrary<Plan> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('json' as const), base: fc.nat(), ops: jsonOpsArb }),
    },
    {
      weight: contentWeight,
      arbitrary: fc.record({ kind: fc.constant('content' as const), base: fc.nat(), ops: jsonOpsArb }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('text' as const), base: fc.nat(), edits: editsArb }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('bytes' as const), base: fc.nat(), edits: editsArb }),
    },
  );
}
const planArb = planArbWith(3);

type Mutated =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; value: string }
  | { kind: 'bytes'; value: Uint8Array };

/** Signed or sealed content of base `base`, and how its real author wraps it into that message. */
interface Layer {
  base: number;
  content: unknown;
  wrap: (content: unknown) => Promise<string>;
}

function applyOps(value: unknown, ops: JsonOp[]): unknown {
  const holder: Record<string, unknown> = { root: expand(value) };
  for (const op of ops) applyJsonOp(holder, op);
  return collapse(holder.root);
}

/** The altered input, and which base (parser context) it belongs to. */
async function mutate(
  bases: readonly string[],
  layers: readonly Layer[],
  plan: Plan,
): Promise<{ input: Mutated; base: number }> {
  if (plan.kind === 'content' && layers.length > 0) {
    const layer = layers[plan.base % layers.length]!;
    const content = applyOps(JSON.parse(JSON.stringify(layer.content)), plan.ops);
    return { input: { kind: 'text', value: await layer.wrap(content) }, base: layer.base };
  }
  const base = plan.base % bases.length;
  const wire = bases[base]!;
  switch (plan.kind) {
    case 'json':
    case 'content':
      return { input: { kind: 'json', value: applyOps(JSON.parse(wire), plan.ops) }, base };
    case 'text':
      return { input: { kind: 'text', value: editString(wire, plan.edits) }, base };
    case 'bytes':
      return { input: { kind: 'bytes', value: editBytes(utf8(wire), plan.edits) }, base };
  }
}

/** As a wire message: string or bytes. */
function asWire(m: Mutated): string | Uint8Array {
  return m.kind === 'json' ? stringify(m.value) : m.value;
}

/** As a parsed JS value, for verifiers that take a structure rather than a wire message. */
function asValue(m: Mutated): unknown {
  if (m.kind === 'json') return m.value;
  try {
    return JSON.parse(m.kind === 'text' ? m.value : strictUtf8.decode(m.value)) as unknown;
  } catch {
    return m.value;
  }
}

// Wrapping altered content as its real author would. The clear header follows the content when
// it can (so header checks pass and the checks after them run), else stays the original's.

function headerOf(content: unknown, original: HeaderSource): Header {
  try {
    return parseHeader(headerFor(content as HeaderSource));
  } catch {
    return headerFor(original);
  }
}

function certsOf(wire: string): string[] | undefined {
  return (JSON.parse(wire) as { certs?: string[] }).certs;
}

/** The JSON inside a base64url field. */
function jsonOf(encoded: string): Record<string, unknown> {
  return JSON.parse(strictUtf8.decode(fromB64u(encoded))) as Record<string, unknown>;
}

/** Content of a signed wire message (body.content). */
function signedContentOf(wire: string): HeaderSource {
  return jsonOf((JSON.parse(wire) as { body: { content: string } }).body.content) as unknown as HeaderSource;
}

function signedLayer(
  base: number,
  wire: string,
  signer: Signer,
  header: (content: unknown, original: HeaderSource) => Header = headerOf,
): Layer {
  const type = (JSON.parse(wire) as { type: MessageType }).type;
  const original = signedContentOf(wire);
  const certs = certsOf(wire);
  return {
    base,
    content: original,
    wrap: async (c) =>
      encodeWire(makeWire(type, header(c, original), await signContent(c as object, signer), { certs })),
  };
}

/** Merchant ↔ gateway: signed by `from`, sealed to `to`, baggage hashed into the envelope. */
function exchangeLayer(
  base: number,
  wire: string,
  original: HeaderSource,
  from: Signer,
  to: ParsedCertificate,
  baggage?: (content: unknown) => Uint8Array | undefined,
): Layer {
  const type = (JSON.parse(wire) as { type: MessageType }).type;
  const certs = certsOf(wire);
  return {
    base,
    content: original,
    wrap: async (c) => await exchangeWire(type, c, original, from, to, certs, baggage?.(c)),
  };
}

async function exchangeWire(
  type: MessageType,
  content: unknown,
  original: HeaderSource,
  from: Signer,
  to: ParsedCertificate,
  certs: string[] | undefined,
  baggage: Uint8Array | undefined,
): Promise<string> {
  const signed = await signContent(content as object, from);
  const sealed = await sealTo(to, type, jsonBytes(signed), baggage ? sha256(baggage) : new Uint8Array(0));
  const body = baggage ? { sealed, baggage: b64u(baggage) } : { sealed };
  return encodeWire(makeWire(type, headerOf(content, original), body, { certs }));
}

// ---------------------------------------------------------------------------------------------
// One generic block per wire parser: baseline, arbitrary input, mutated valid messages.

interface WireTarget {
  name: string;
  /** The types decodeWire should see; used to make near-valid envelopes. */
  types: MessageType[];
  /** Valid wire messages from a real run (read after beforeAll). */
  bases: () => string[];
  /** Their signed or sealed contents, re-wrapped by the real author after mutation. */
  layers?: () => Layer[];
  /** Parses `input` in the context of base `base` (its request, its recipient, its type). */
  run: (input: string | Uint8Array, base: number) => unknown;
  /** The layers are sealed (HPKE) as well as signed: fewer re-wrapped runs, as each costs an encapsulation. */
  sealed?: boolean;
}

function fuzzWireParser(t: WireTarget): void {
  describe(t.name, () => {
    it('accepts the unmutated messages, and their contents re-wrapped by the real author', async () => {
      for (const [base, wire] of t.bases().entries()) {
        expect(await outcomeOfAsync(() => t.run(wire, base))).toBe('accepted');
        expect(await outcomeOfAsync(() => t.run(utf8(wire), base))).toBe('accepted');
      }
      for (const layer of t.layers?.() ?? []) {
        const wrapped = await layer.wrap(layer.content);
        expect(await outcomeOfAsync(() => t.run(wrapped, layer.base))).toBe('accepted');
      }
    });

    it('arbitrary input: only SetErrors', async () => {
      await fc.assert(
        fc.asyncProperty(arbitraryWireInput(t.types), fc.nat(), (input, base) =>
          expectOnlySetErrorsAsync(() => t.run(input, base % t.bases().length)),
        ),
        { numRuns: RUNS },
      );
    });

    it('mutated valid messages: only SetErrors', async () => {
      const bases = t.bases();
      const layers = t.layers?.() ?? [];
      await fc.assert(
        fc.asyncProperty(t.sealed ? planArbWith(1) : planArb, async (plan) => {
          const { input, base } = await mutate(bases, layers, plan);
          await expectOnlySetErrorsAsync(() => t.run(asWire(input), base));
        }),
        { numRuns: RUNS },
      );
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The codec layer.

describe('decodeWire', () => {
  const decodes = (input: string | Uint8Array) => expectOnlySetErrors(() => decodeWire(input));

  it('arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), decodes), { numRuns: RUNS });
  });

  it('arbitrary full-Unicode strings', () => {
    fc.assert(fc.property(binaryString, decodes), { numRuns: RUNS });
  });

  it('arbitrary UTF-16 strings (lone surrogates)', () => {
    fc.assert(fc.property(fc.string({ unit: utf16Unit, maxLength: 200 }), decodes), { numRuns: RUNS });
  });

  it('arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1024 }), decodes), { numRuns: RUNS });
  });

  it('arbitrary JSON text', () => {
    fc.assert(fc.property(fc.json(), decodes), { numRuns: RUNS });
  });

  it('arbitrary values, JSON-serialised', () => {
    fc.assert(
      fc.property(anyValue, (v) => decodes(stringify(v))),
      { numRuns: RUNS },
    );
  });

  it('near-valid envelopes, as text and as bytes', () => {
    fc.assert(
      fc.property(envelopeArb(MESSAGE_TYPES), fc.boolean(), (env, asBytes) => {
        const text = stringify(env);
        decodes(asBytes ? utf8(text) : text);
      }),
      { numRuns: RUNS },
    );
  });

  it('a Wire object is checked as its JSON text is, unless decodeWire made it', () => {
    const outcome = (f: () => unknown) => {
      try {
        return `decoded ${stringify(f())}`;
      } catch (e) {
        return e instanceof SetError ? e.code : `not a SetError: ${String(e)}`;
      }
    };
    fc.assert(
      fc.property(envelopeArb(MESSAGE_TYPES), (env) => {
        const asText = outcome(() => decodeWire(stringify(env)));
        expect(outcome(() => decodeWire(env as unknown as Wire))).toBe(asText);
      }),
      { numRuns: RUNS },
    );
    // What decodeWire returned is taken as is: an endpoint that decoded a message to route it
    // hands its handlers the Wire, and the message is not parsed and checked a second time.
    const text = stringify({
      set: 'SET/2',
      type: 'PInitReq',
      hdr: { date: new Date().toISOString(), rrpid: b64u(new Uint8Array(32)) },
      body: {},
    });
    const decoded = decodeWire(text);
    expect(decodeWire(decoded)).toBe(decoded);
    expect(decodeWire({ ...decoded })).not.toBe(decoded);
    expect(decodeWire({ ...decoded })).toEqual(decoded);
  });
});

describe('fromB64u', () => {
  it('arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: utf16Unit })), (s) =>
        expectOnlySetErrors(() => fromB64u(s)),
      ),
      { numRuns: RUNS },
    );
  });

  it('strings over the base64url alphabet (and padding, +, /), round-tripping when accepted', () => {
    const unit = fc.oneof(
      { weight: 20, arbitrary: b64uChar },
      { weight: 1, arbitrary: fc.constantFrom('=', '+', '/') },
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 200 }), (s) =>
        expectOnlySetErrors(() => expect(b64u(fromB64u(s))).toBe(s)),
      ),
      { numRuns: RUNS },
    );
  });
});

describe('initiations', () => {
  const origin = 'https://shop.example';
  const originArb = fc.oneof(
    { weight: 4, arbitrary: fc.constant(origin) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('https://other.example', 'http://shop.example', 'null', '', 'not a url'),
    },
    { weight: 1, arbitrary: fc.webUrl() },
    { weight: 1, arbitrary: fc.string() },
  );
  const payment = paymentInitiation({ description: 'One SET/2 mug' });
  const registration = JSON.stringify({
    set: 'SET/2',
    kind: 'registration',
    brand: 'SETPay',
    endpoint: 'https://shop.example/cca',
    issuerName: 'Demo Bank',
  });
  const arbitraryText = fc.oneof(
    fc.string(),
    fc.string({ unit: utf16Unit }),
    fc.json(),
    anyValue.map(stringify),
    fc
      .record(
        {
          set: fc.oneof(fc.constantFrom('SET/2', 'SET/1', 'SET/3'), anyValue),
          kind: fc.oneof(fc.constantFrom('payment', 'registration'), anyValue),
          brands: fc.oneof(fc.array(fc.constantFrom('SETPay', '', 'x'.repeat(40))), anyValue),
          brand: anyValue,
          amount: anyValue,
          lidM: anyValue,
          endpoint: fc.oneof(
            fc.constantFrom('/set', '//evil.example/x', 'javascript:alert(1)', ''),
            fc.webUrl(),
            anyValue,
          ),
        },
        { requiredKeys: ['set'] },
      )
      .map(stringify),
  );
  const parsers = [
    { name: 'parsePaymentInitiation', parse: parsePaymentInitiation, valid: payment },
    { name: 'parseRegistrationInitiation', parse: parseRegistrationInitiation, valid: registration },
  ];

  for (const { name, parse, valid } of parsers) {
    describe(name, () => {
      it('accepts the unmutated initiation', () => {
        expect(outcomeOf(() => parse(valid, origin))).toBe('accepted');
      });

      it('arbitrary text and origins: only SetErrors', () => {
        fc.assert(
          fc.property(arbitraryText, originArb, (text, o) => expectOnlySetErrors(() => parse(text, o))),
          { numRuns: RUNS },
        );
      });

      it('mutated valid initiations: only SetErrors', async () => {
        await fc.assert(
          fc.asyncProperty(planArb, originArb, async (plan, o) => {
            const m = (await mutate([valid], [], plan)).input;
            const text =
              m.kind === 'bytes'
                ? new TextDecoder().decode(m.value)
                : m.kind === 'text'
                  ? m.value
                  : stringify(m.value);
            expectOnlySetErrors(() => parse(text, o));
          }),
          { numRuns: RUNS },
        );
      });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// PKI decoders.

describe('PKI decoders', () => {
  let world: World;
  let certDers: Uint8Array[];
  let crl: ParsedCrl;
  let pem: string;

  beforeAll(() => {
    world = makeWorld();
    const cardholder = issueCardholder(world);
    certDers = [
      world.root.der,
      world.merchant.certificate.der,
      world.gatewayKx.certificate.der,
      cardholder.certificate.der,
    ];
    const now = world.clock.now;
    crl = issueCrl({
      issuer: world.issuer('cca'),
      crlNumber: 3,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 86400_000),
      revoked: [{ serialNumber: cardholder.certificate.serialNumber, revocationDate: now }],
    });
    pem = `${certificateToPem(world.merchant.certificate.der)}${certificateToPem(world.root.der)}${crlToPem(crl.der)}`;
  });

  const derEdits = fc.tuple(fc.nat(), editsArb);

  describe('parseCertificate', () => {
    it('accepts the unmutated certificates', () => {
      for (const der of certDers) expect(outcomeOf(() => parseCertificate(der))).toBe('accepted');
    });

    it('arbitrary bytes: only SetErrors', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (b) =>
          expectOnlySetErrors(() => parseCertificate(b)),
        ),
        { numRuns: RUNS },
      );
    });

    it('mutated real certificates: only SetErrors', () => {
      fc.assert(
        fc.property(derEdits, ([i, edits]) =>
          expectOnlySetErrors(() => parseCertificate(editBytes(certDers[i % certDers.length]!, edits))),
        ),
        { numRuns: RUNS },
      );
    });
  });

  describe('parseCrl', () => {
    it('accepts the unmutated CRL', () => {
      expect(outcomeOf(() => parseCrl(crl.der))).toBe('accepted');
    });

    it('arbitrary bytes: only SetErrors', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (b) => expectOnlySetErrors(() => parseCrl(b))),
        { numRuns: RUNS },
      );
    });

    it('mutated real CRLs (and certificates fed as CRLs): only SetErrors', () => {
      fc.assert(
        fc.property(derEdits, fc.boolean(), ([i, edits], ofCert) =>
          expectOnlySetErrors(() =>
            parseCrl(editBytes(ofCert ? certDers[i % certDers.length]! : crl.der, edits)),
          ),
        ),
        { numRuns: RUNS },
      );
    });
  });

  describe('pemToDers', () => {
    const labelArb = fc.oneof(
      fc.constantFrom('CERTIFICATE', 'X509 CRL', 'PRIVATE KEY', ''),
      fc.string({ maxLength: 12 }),
    );
    const bodyArb = fc.oneof(
      fc.string({ unit: fc.constantFrom(...`${B64URL_ALPHABET}+/=\n \t`), maxLength: 200 }),
      fc.string(),
    );
    const blockArb = fc
      .tuple(labelArb, labelArb, bodyArb, fc.string({ maxLength: 10 }))
      .map(
        ([open, close, body, junk]) => `${junk}-----BEGIN ${open}-----\n${body}\n-----END ${close}-----\n`,
      );

    it('accepts the unmutated PEM', () => {
      expect(pemToDers(pem)).toHaveLength(2);
    });

    it('arbitrary text and PEM-shaped blocks: only SetErrors', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string(),
            fc.string({ unit: utf16Unit }),
            fc.array(blockArb, { maxLength: 3 }).map((b) => b.join('')),
          ),
          fc.option(labelArb, { nil: undefined }),
          (text, label) => expectOnlySetErrors(() => pemToDers(text, label)),
        ),
        { numRuns: RUNS },
      );
    });

    it('mutated real PEM: only SetErrors', () => {
      fc.assert(
        fc.property(editsArb, fc.constantFrom('CERTIFICATE', 'X509 CRL'), (edits, label) =>
          expectOnlySetErrors(() => pemToDers(editString(pem, edits), label)),
        ),
        { numRuns: RUNS },
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Purchase and payment messages, from one real run.

interface PurchaseStage {
  world: World;
  ctx: () => VerifyContext;
  pinitReqWire: string;
  pinitReq: PInitReqContent;
  pinitResWire: string;
  merchantThumb: Uint8Array;
  pending: Map<string, PendingOrder>;
  preqWires: string[];
  preqLayers: Layer[];
  oiData: { rrpid: string; transIds: PendingOrder['transIds']; challC: string };
  authReqWires: string[];
  authReqLayers: Layer[];
  authReqContent: AuthReqData;
  authResWire: string;
  authResContent: HeaderSource;
  presWire: string;
  inqReqWires: string[];
  inqReq: InqReqContent;
  inqSigner: Signer;
  inqResWire: string;
  followUps: {
    type: FollowUpRequest;
    req: string;
    res: string;
    reqContent: FollowUpRequestData;
    resContent: HeaderSource;
  }[];
  errorWires: string[];
  bci: SignedBody;
  bciCtx: VerifyContext;
}

describe('purchase and payment messages', () => {
  let s: PurchaseStage;

  beforeAll(async () => {
    const world = makeWorld();
    const now = world.clock.now;
    const trust = world.trust();
    const ctx = () => ({ trust, clock: world.clock });
    const cardholder = issueCardholder(world);
    const wallet = new TestWallet(world, cardholder);
    const merchant = new TestMerchant(world);
    const gateway = new TestGateway(world);

    const pinitReq = wallet.pinitReq();
    const pinitReqWire = JSON.stringify(pinitReq.wire);
    const pinitResWire = await merchant.pinit(pinitReqWire);
    const pending = new Map<string, PendingOrder>(merchant.pending);
    const pinit = await wallet.verifyPInitRes(pinitResWire, pinitReq.content);

    // Dual-signed and unsigned (PANToken) purchases of the same order.
    const preq = await wallet.preq(pinit);
    const preqWire = JSON.stringify(preq.wire);
    const unsignedPreq = await buildPReq({
      pinit,
      card: cardholder.card,
      bin: '411111',
      swIdent: 'fuzz/1',
      now,
    });
    const unsignedPreqWire = JSON.stringify(unsignedPreq.wire);
    const unsignedAuth = await merchant.preqToAuthReq(unsignedPreqWire, { acceptUnsigned: true });
    const { verified, authReq, authReqContent } = await merchant.preqToAuthReq(preqWire);
    const authResWire = await gateway.authorize(authReq);
    const { authRes, pres } = await merchant.authResToPRes(authResWire, authReqContent, verified.oiData);

    // PReq: altered OIData, dual-signed again by the cardholder (the unsigned PReq's OIData is
    // plain, so JSON-level mutations already reach its parser).
    const hPIData = sha256(jsonBytes(preq.piData));
    const dualPi = jsonOf((preq.wire.body as { pi: string }).pi);
    const preqLayers: Layer[] = [
      {
        base: 0,
        content: preq.oiData,
        wrap: async (c) => {
          const oiBytes = jsonBytes(c);
          const pi = { ...dualPi, ds: b64u(await dualSign(hPIData, sha256(oiBytes), cardholder.privateKey)) };
          const body = { pi: b64u(jsonBytes(pi)), oi: { oiData: b64u(oiBytes), hPIData: b64u(hPIData) } };
          return encodeWire(makeWire('PReq', headerOf(c, preq.oiData), body, { certs: certsOf(preqWire) }));
        },
      },
    ];

    // AuthReq: altered AuthReqData (signed by the merchant, sealed to the gateway), or altered
    // PIData (sealed again to the gateway under H(OIData), dual-signed again when it was).
    const authReqWires = [authReq, unsignedAuth.authReq];
    const authReqContents = [authReqContent, unsignedAuth.authReqContent];
    const piDatas = [preq.piData, unsignedPreq.piData];
    const authReqLayers: Layer[] = [];
    authReqWires.forEach((wire, base) => {
      const content = authReqContents[base]!;
      const piBytes = fromB64u((JSON.parse(wire) as { body: { baggage: string } }).body.baggage);
      authReqLayers.push(
        exchangeLayer(base, wire, content, world.merchant, world.gatewayKx.certificate, () => piBytes),
      );
      const hOIData = fromB64u(content.checkDigests.hOIData);
      const dual = piDatas[base]!.type === 'PIData';
      authReqLayers.push({
        base,
        content: piDatas[base],
        wrap: async (c) => {
          const piDataBytes = jsonBytes(c);
          const sealed = await sealTo(
            world.gatewayKx.certificate,
            dual ? 'PIData' : 'PIDataUnsigned',
            piDataBytes,
            hOIData,
          );
          const pi = dual
            ? {
                type: 'PIDualSigned',
                ds: b64u(await dualSign(sha256(piDataBytes), hOIData, cardholder.privateKey)),
                signer: b64u(cardholder.certificate.thumbprint),
                sealed,
              }
            : { type: 'PIUnsigned', sealed };
          return await exchangeWire(
            'AuthReq',
            content,
            content,
            world.merchant,
            world.gatewayKx.certificate,
            certsOf(wire),
            jsonBytes(pi),
          );
        },
      });
    });

    const inqSigned = await buildInqReq({ transIds: preq.oiData.transIds, cardholder, now });
    const inqUnsigned = await buildInqReq({ transIds: preq.oiData.transIds, now });
    const inqRes = await buildInqRes({
      req: inqSigned.content,
      outcome: { completionCode: 'authorizationPerformed', result: { ...authRes.result } },
      merchant: world.merchant,
      now,
    });

    const amount: Amount = authRes.result.amount;
    const followUps = await Promise.all(
      (Object.keys(FOLLOW_UPS) as FollowUpRequest[]).map(async (type) => {
        const req = await buildFollowUp(type, {
          merchant: world.merchant,
          gatewayKeyExchange: world.gatewayKx.certificate,
          transIds: authReqContent.transIds,
          amount,
          ...(type === 'CapReq' && authRes.capToken ? { capToken: authRes.capToken } : {}),
          now,
        });
        const res = await buildFollowUpResponse(type, {
          req: req.content,
          gateway: world.gateway,
          merchantKeyExchange: world.merchantKx.certificate,
          status: FOLLOW_UPS[type].ok,
          amount,
          now,
        });
        return {
          type,
          req: JSON.stringify(req.wire),
          res: JSON.stringify(res.wire),
          reqContent: req.content,
          resContent: res.content as HeaderSource,
        };
      }),
    );

    const failure = new SetError('signatureFailure', 'the dual signature does not cover this OIData');
    const errorWires = [
      JSON.stringify(await buildErrorFor(preqWire, failure, world.merchant, now)),
      JSON.stringify(await buildErrorFor(preqWire, failure, undefined, now)),
    ];

    const crl = issueCrl({
      issuer: world.issuer('cca'),
      crlNumber: 1,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 86400_000),
      revoked: [],
    });
    const bciTrust = new TrustStore([world.root], [crl]);
    bciTrust.add(world.party('brand-ca').certificate);
    const bci = await buildBrandCrlIdentifier({
      brandCa: world.party('brand-ca'),
      brandId: 'SETPay',
      sequence: 7,
      crls: [crl],
      nextUpdate: new Date(now.getTime() + 86400_000),
      now,
    });

    s = {
      world,
      ctx,
      pinitReqWire,
      pinitReq: pinitReq.content,
      pinitResWire,
      merchantThumb: pinit.merchant.chain[0]!.thumbprint,
      pending,
      preqWires: [preqWire, unsignedPreqWire],
      preqLayers,
      oiData: preq.oiData,
      authReqWires,
      authReqLayers,
      authReqContent,
      authResWire,
      authResContent: authRes as HeaderSource,
      presWire: pres,
      inqReqWires: [JSON.stringify(inqSigned.wire), JSON.stringify(inqUnsigned.wire)],
      inqReq: inqSigned.content,
      inqSigner: cardholder,
      inqResWire: JSON.stringify(inqRes.wire),
      followUps,
      errorWires,
      bci,
      bciCtx: { trust: bciTrust, clock: world.clock },
    };
  });

  fuzzWireParser({
    name: 'parsePInitReq',
    types: ['PInitReq'],
    bases: () => [s.pinitReqWire],
    run: (input) => parsePInitReq(input, s.world.clock),
  });

  fuzzWireParser({
    name: 'verifyPInitRes',
    types: ['PInitRes'],
    bases: () => [s.pinitResWire],
    layers: () => [signedLayer(0, s.pinitResWire, s.world.merchant)],
    run: async (input) => await verifyPInitRes(input, s.pinitReq, s.ctx()),
  });

  fuzzWireParser({
    name: 'verifyPReq',
    types: ['PReq'],
    bases: () => s.preqWires,
    layers: () => s.preqLayers,
    run: async (input) =>
      await verifyPReq(input, (xid) => s.pending.get(xid), s.ctx(), { acceptUnsigned: true }),
  });

  fuzzWireParser({
    sealed: true,
    name: 'verifyAuthReq',
    types: ['AuthReq'],
    bases: () => s.authReqWires,
    layers: () => s.authReqLayers,
    run: async (input) => await verifyAuthReq(input, s.world.gatewayKx, s.ctx(), { acceptUnsigned: true }),
  });

  fuzzWireParser({
    sealed: true,
    name: 'verifyAuthRes',
    types: ['AuthRes'],
    bases: () => [s.authResWire],
    layers: () => [
      exchangeLayer(0, s.authResWire, s.authResContent, s.world.gateway, s.world.merchantKx.certificate),
    ],
    run: async (input) => await verifyAuthRes(input, s.authReqContent, s.world.merchantKx, s.ctx()),
  });

  // One base per follow-up type: 1,000 runs per property cover all five (about 200 each).
  fuzzWireParser({
    sealed: true,
    name: 'verifyFollowUp (CapReq, CapRevReq, AuthRevReq, CredReq, CredRevReq)',
    types: Object.keys(FOLLOW_UPS) as FollowUpRequest[],
    bases: () => s.followUps.map((f) => f.req),
    layers: () =>
      s.followUps.map((f, base) =>
        exchangeLayer(base, f.req, f.reqContent, s.world.merchant, s.world.gatewayKx.certificate),
      ),
    run: async (input, base) =>
      await verifyFollowUp(input, s.followUps[base]!.type, s.world.gatewayKx, s.ctx()),
  });

  fuzzWireParser({
    sealed: true,
    name: 'verifyFollowUpResponse (CapRes, CapRevRes, AuthRevRes, CredRes, CredRevRes)',
    types: Object.values(FOLLOW_UPS).map((f) => f.response),
    bases: () => s.followUps.map((f) => f.res),
    layers: () =>
      s.followUps.map((f, base) =>
        exchangeLayer(base, f.res, f.resContent, s.world.gateway, s.world.merchantKx.certificate),
      ),
    run: async (input, base) => {
      const f = s.followUps[base]!;
      return await verifyFollowUpResponse(input, f.type, f.reqContent, s.world.merchantKx, s.ctx());
    },
  });

  fuzzWireParser({
    name: 'verifyPRes',
    types: ['PRes'],
    bases: () => [s.presWire],
    layers: () => [signedLayer(0, s.presWire, s.world.merchant)],
    run: async (input) => await verifyPRes(input, s.oiData, s.merchantThumb, s.ctx()),
  });

  fuzzWireParser({
    name: 'verifyInqReq',
    types: ['InqReq'],
    bases: () => s.inqReqWires,
    layers: () => [signedLayer(0, s.inqReqWires[0]!, s.inqSigner)],
    run: async (input) => await verifyInqReq(input, s.ctx()),
  });

  fuzzWireParser({
    name: 'verifyInqRes',
    types: ['InqRes'],
    bases: () => [s.inqResWire],
    layers: () => [signedLayer(0, s.inqResWire, s.world.merchant)],
    run: async (input) => await verifyInqRes(input, s.inqReq, s.merchantThumb, s.ctx()),
  });

  fuzzWireParser({
    name: 'readError',
    types: ['Error'],
    bases: () => s.errorWires,
    layers: () => [signedLayer(0, s.errorWires[0]!, s.world.merchant, errorHeaderOf)],
    run: async (input) => await readError(input, s.ctx()),
  });

  describe('verifyBrandCrlIdentifier', () => {
    const layer = (): Layer => ({
      base: 0,
      content: jsonOf(s.bci.content),
      wrap: async (c) => JSON.stringify(await signContent(c as object, s.world.party('brand-ca'))),
    });

    it('accepts the unmutated BrandCRLIdentifier, and its content signed again', async () => {
      expect(await outcomeOfAsync(async () => await verifyBrandCrlIdentifier(s.bci, s.bciCtx))).toBe(
        'accepted',
      );
      const l = layer();
      const again = JSON.parse(await l.wrap(l.content));
      expect(await outcomeOfAsync(async () => await verifyBrandCrlIdentifier(again, s.bciCtx))).toBe(
        'accepted',
      );
    });

    it('arbitrary values (not only JSON): only SetErrors', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            richValue,
            fc.record(
              {
                content: fc.oneof(b64uArb, anyValue),
                sig: fc.oneof(b64uArb, anyValue),
                signer: fc.oneof(nonceArb, anyValue),
              },
              { requiredKeys: [] },
            ),
          ),
          (bci) => expectOnlySetErrorsAsync(async () => await verifyBrandCrlIdentifier(bci, s.bciCtx)),
        ),
        { numRuns: RUNS },
      );
    });

    it('mutated valid BrandCRLIdentifiers: only SetErrors', async () => {
      const bases = [JSON.stringify(s.bci)];
      const layers = [layer()];
      await fc.assert(
        fc.asyncProperty(planArb, async (plan) => {
          const { input } = await mutate(bases, layers, plan);
          await expectOnlySetErrorsAsync(
            async () => await verifyBrandCrlIdentifier(asValue(input), s.bciCtx),
          );
        }),
        { numRuns: RUNS },
      );
    });
  });
});

/** The Error's header repeats the offending message's identifiers (error.ts, idsOf). */
function errorHeaderOf(content: unknown, original: HeaderSource): Header {
  const ids = (c: unknown) => {
    const hdr = (c as { offending?: { hdr?: Record<string, unknown> | null } } | null)?.offending?.hdr ?? {};
    return {
      lidC: hdr.lidC,
      lidM: hdr.lidM,
      xid: hdr.xid,
      lidEE: hdr.lidEE,
      lidCA: hdr.lidCA,
    } as HeaderSource;
  };
  try {
    return parseHeader(headerFor({ ...(content as HeaderSource), ...ids(content) }));
  } catch {
    return headerFor({ ...original, ...ids(original) });
  }
}

// ---------------------------------------------------------------------------------------------
// Registration messages, from one real registration of a cardholder and one of a merchant.

interface RegistrationStage {
  world: World;
  ctx: () => VerifyContext;
  cardCInitReqWire: string;
  cardCInitReq: CardCInitReqContent;
  cardCInitResWire: string;
  meAqCInitReqWire: string;
  meAqCInitReq: MeAqCInitReqContent;
  meAqCInitResWire: string;
  regFormReqWire: string;
  regFormReq: RegFormReqData;
  regFormResWire: string;
  certReqs: { wire: string; content: CertReqData; privateKey: Uint8Array; ca: Party }[];
  pending: Map<string, PendingRegistration>;
  certReq: CertReqData;
  certResWire: string;
  certResContent: HeaderSource;
}

describe('registration messages', () => {
  let r: RegistrationStage;

  beforeAll(async () => {
    const world = makeWorld();
    const now = world.clock.now;
    const trust = world.trust();
    const ctx = () => ({ trust, clock: world.clock });
    const cca = world.party('cca');
    const ccaKx = world.party('cca-kx');
    const mca = world.party('mca');
    const mcaKx = world.party('mca-kx');

    const cardReq = buildCardCInitReq({ brandId: 'SETPay', now });
    const cardRes = await buildCardCInitRes({
      req: cardReq.content,
      ca: cca,
      caKeyExchange: ccaKx.chain,
      now,
    });
    const meReq = buildMeAqCInitReq({ requestType: 'merchant', brandId: 'SETPay', now });
    const meRes = await buildMeAqCInitRes({
      req: meReq.content,
      ca: mca,
      caKeyExchange: mcaKx.chain,
      regForm: TEST_REG_FORM,
      now,
    });
    const init = await verifyCardCInitRes(JSON.stringify(cardRes.wire), cardReq.content, ctx());
    const regFormReq = await buildRegFormReq({ init, pan: '4111111111111111', now });
    const regFormRes = await buildRegFormRes({
      req: regFormReq.content,
      ca: cca,
      answer: { regForm: TEST_REG_FORM },
      now,
    });

    const cardholderKey = generateKeyPair().privateKey;
    const certReq = await buildCertReq({
      answering: regFormRes.content,
      caKeyExchange: ccaKx.certificate,
      privateKey: cardholderKey,
      request: { requestType: 'cardholder', card: { pan: '4111111111111111', expiry: '202912' } },
      answers: { fullName: 'Ada Lovelace', postcode: 'N1 9GU' },
      now,
    });
    const merchantKey = generateKeyPair().privateKey;
    const merchantCertReq = await buildCertReq({
      answering: meRes.content,
      caKeyExchange: mcaKx.certificate,
      privateKey: merchantKey,
      request: {
        requestType: 'merchant',
        kxPublicKey: generateKeyPair().publicKey,
        merchantData: {
          merchantId: 'SHOP-1',
          name: 'Shop',
          city: 'Springfield',
          country: 'US',
          categoryCode: '5999',
        },
        origins: ['https://shop.example'],
      },
      answers: { fullName: 'Ada Lovelace', postcode: 'N1 9GU' },
      now,
    });
    const pending = new Map<string, PendingRegistration>([
      [
        regFormRes.content.lidCA,
        { lidEE: regFormRes.content.lidEE, challCA: regFormRes.content.challCA, requestType: 'cardholder' },
      ],
      [
        meRes.content.lidCA,
        { lidEE: meRes.content.lidEE, challCA: meRes.content.challCA, requestType: 'merchant' },
      ],
    ]);

    const issued = issueFromCertReq({ req: certReq.content, issuer: world.issuer('cca'), now });
    const certRes = await buildCertRes({ req: certReq.content, ca: cca, result: issued, now });

    r = {
      world,
      ctx,
      cardCInitReqWire: JSON.stringify(cardReq.wire),
      cardCInitReq: cardReq.content,
      cardCInitResWire: JSON.stringify(cardRes.wire),
      meAqCInitReqWire: JSON.stringify(meReq.wire),
      meAqCInitReq: meReq.content,
      meAqCInitResWire: JSON.stringify(meRes.wire),
      regFormReqWire: JSON.stringify(regFormReq.wire),
      regFormReq: regFormReq.content,
      regFormResWire: JSON.stringify(regFormRes.wire),
      certReqs: [
        {
          wire: JSON.stringify(certReq.wire),
          content: certReq.content,
          privateKey: cardholderKey,
          ca: ccaKx,
        },
        {
          wire: JSON.stringify(merchantCertReq.wire),
          content: merchantCertReq.content,
          privateKey: merchantKey,
          ca: mcaKx,
        },
      ],
      pending,
      certReq: certReq.content,
      certResWire: JSON.stringify(certRes.wire),
      certResContent: certRes.content as HeaderSource,
    };
  });

  fuzzWireParser({
    name: 'parseCardCInitReq',
    types: ['CardCInitReq'],
    bases: () => [r.cardCInitReqWire],
    run: (input) => parseCardCInitReq(input, r.world.clock),
  });

  fuzzWireParser({
    name: 'verifyCardCInitRes',
    types: ['CardCInitRes'],
    bases: () => [r.cardCInitResWire],
    layers: () => [signedLayer(0, r.cardCInitResWire, r.world.party('cca'))],
    run: async (input) => await verifyCardCInitRes(input, r.cardCInitReq, r.ctx()),
  });

  fuzzWireParser({
    name: 'parseMeAqCInitReq',
    types: ['Me-AqCInitReq'],
    bases: () => [r.meAqCInitReqWire],
    run: (input) => parseMeAqCInitReq(input, r.world.clock),
  });

  fuzzWireParser({
    name: 'verifyMeAqCInitRes',
    types: ['Me-AqCInitRes'],
    bases: () => [r.meAqCInitResWire],
    layers: () => [signedLayer(0, r.meAqCInitResWire, r.world.party('mca'))],
    run: async (input) => await verifyMeAqCInitRes(input, r.meAqCInitReq, r.ctx()),
  });

  fuzzWireParser({
    sealed: true,
    name: 'openRegFormReq',
    types: ['RegFormReq'],
    bases: () => [r.regFormReqWire],
    layers: () => [
      {
        base: 0,
        content: r.regFormReq,
        wrap: async (c) => {
          const body = {
            sealed: await sealTo(r.world.party('cca-kx').certificate, 'RegFormReq', jsonBytes(c)),
          };
          return encodeWire(makeWire('RegFormReq', headerOf(c, r.regFormReq), body));
        },
      },
    ],
    run: async (input) => await openRegFormReq(input, r.world.party('cca-kx'), r.world.clock),
  });

  fuzzWireParser({
    name: 'verifyRegFormRes',
    types: ['RegFormRes'],
    bases: () => [r.regFormResWire],
    layers: () => [signedLayer(0, r.regFormResWire, r.world.party('cca'))],
    run: async (input) => await verifyRegFormRes(input, r.regFormReq, r.ctx()),
  });

  fuzzWireParser({
    sealed: true,
    name: 'openCertReq (cardholder and merchant)',
    types: ['CertReq'],
    bases: () => r.certReqs.map((c) => c.wire),
    // Altered CertReqData, signed again with the new key (proof of possession) and sealed to the CA.
    layers: () =>
      r.certReqs.map((c, base) => ({
        base,
        content: c.content,
        wrap: async (content: unknown) => {
          const pop = await signWithKey(content as object, c.privateKey);
          const body = { sealed: await sealTo(c.ca.certificate, 'CertReq', jsonBytes(pop)) };
          return encodeWire(makeWire('CertReq', headerOf(content, c.content), body));
        },
      })),
    run: async (input, base) =>
      await openCertReq(input, r.certReqs[base]!.ca, (lidCA) => r.pending.get(lidCA), r.world.clock),
  });

  fuzzWireParser({
    name: 'verifyCertRes',
    types: ['CertRes'],
    bases: () => [r.certResWire],
    // Altered CertResData, signed again by the CCA and encrypted again under CABackKey.
    layers: () => [
      {
        base: 0,
        content: r.certResContent,
        wrap: async (c) => {
          const iv = randomBytes(AEAD_NONCE_LENGTH);
          const signed = await signContent(c as object, r.world.party('cca'));
          const ct = aeadSeal(fromB64u(r.certReq.caBackKey), iv, utf8('SET/2 CertRes'), jsonBytes(signed));
          const body = { iv: b64u(iv), ct: b64u(ct) };
          return encodeWire(
            makeWire('CertRes', headerOf(c, r.certResContent), body, { certs: certsOf(r.certResWire) }),
          );
        },
      },
    ],
    run: async (input) => await verifyCertRes(input, r.certReq, r.ctx()),
  });
});

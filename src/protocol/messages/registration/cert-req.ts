/**
 * CertReq → CertRes (SET Book 2 "Certificate request/response"; SET-PROFILE §4 Cardholder
 * registration 3–4), for cardholders, merchants and gateways alike.
 *
 * CertReq: the requester makes a new key pair and signs CertReqData with the new private key
 * (proof of possession: there is no certificate yet), then seals {content, sig} to the CA's
 * key-exchange certificate. CertReqData carries the form answers, PANData0 for a cardholder, the
 * key-exchange public key for a merchant or gateway, and CABackKey, a fresh AES key for the reply.
 *
 * CertRes: the CA signs CertResData and encrypts the signed bytes under CABackKey (SET's EncK),
 * so only the requester reads the NonceCCA that makes its PANSecret.
 */
import * as v from 'valibot';
import { b64u, constantTimeEqualB64, fromB64u, jsonBytes, utf8 } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import { isWebOrigin, parseCertificate } from '../../pki/certificate.ts';
import { verifyKeyOf } from '../../pki/keys.ts';
import type { MerchantData, ParsedCertificate, ValidatedPath } from '../../pki/types.ts';
import { CARD_SECRET_LENGTH, panSecretOf, uniqueCardholderId } from '../../pki/unique-id.ts';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, aeadOpenNative, aeadSealNative } from '../../primitives/aead.ts';
import { constantTimeEqual, randomBytes, randomNonce } from '../../primitives/hash.ts';
import { isValidPublicKey, publicKeyOfNative, signNative, verifyNative } from '../../primitives/p256.ts';
import {
  b64uMax,
  b64uOf,
  Expiry,
  Label,
  Nonce,
  Pan,
  PublicKey,
  parseWith,
  Signature,
  Text,
  Timestamp,
} from '../fields.ts';
import { checkHeader, headerFor } from '../header.ts';
import { openSealed, type Recipient, SealedBody, sealTo } from '../sealed.ts';
import {
  MAX_CONTENT_BYTES,
  parseContent,
  parsePlain,
  SignedBody,
  type Signer,
  signContent,
  signedDataTbs,
  signingKey,
  signWithKey,
  verifySigned,
  verifyWithKey,
} from '../signed.ts';
import { carriedCerts, type Expectation, type VerifyContext } from '../trust.ts';
import { type Clock, checkDate, DEFAULT_MAX_SKEW_MS, decodeWireOf, makeWire, type Wire } from '../wire.ts';
import { type RegFormAnswers, RegFormAnswers as RegFormAnswersSchema } from './reg-form-schema.ts';

export const RequestType = v.picklist(['cardholder', 'merchant', 'gateway']);
export type RequestType = v.InferOutput<typeof RequestType>;

export type RegistrationCaType = 'cardholder-ca' | 'merchant-ca' | 'gateway-ca';

/** The CA that certifies each kind of end entity (SET's hierarchy, SET-PROFILE §1). */
export function caTypeFor(requestType: RequestType): RegistrationCaType {
  return requestType === 'cardholder'
    ? 'cardholder-ca'
    : requestType === 'merchant'
      ? 'merchant-ca'
      : 'gateway-ca';
}

/** What a requester expects of the CA's signature on CertRes. */
export function caSignature(requestType: RequestType): Expectation {
  return { types: [caTypeFor(requestType)], keyRole: 'signature' };
}

/**
 * merchantData as a merchant asks for it. The MerchantID is the MCA's to assign (SET-PROFILE §6
 * "Merchant identity"): a requester leaves `merchantId` out, or, renewing, names the ID its current
 * certificate carries. The issued certificates carry the ID the MCA chose.
 */
export const MerchantDataFields = v.strictObject({
  merchantId: v.optional(Label),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  city: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  stateProvince: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
  country: v.pipe(v.string(), v.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')),
  categoryCode: v.pipe(v.string(), v.regex(/^\d{4}$/, 'must be a four-digit merchant category code')),
});

/** SET/2 origin binding: the shop's web origins, as `location.origin` serialises them. */
export const WebOrigin = v.pipe(
  v.string(),
  v.maxLength(256),
  v.check(isWebOrigin, 'must be a web origin such as https://shop.example'),
);
export const MAX_ORIGINS = 8;

/** SET's PANData0: the card, and the wallet's half of PANSecret. */
export const PANData0 = v.strictObject({ pan: Pan, expiry: Expiry, cardSecret: Nonce, exNonce: Nonce });
export type PANData0 = v.InferOutput<typeof PANData0>;

const certReqCommon = {
  type: v.literal('CertReqData'),
  date: Timestamp,
  rrpid: Nonce,
  lidEE: Label,
  lidCA: Label,
  challEE3: Nonce,
  challCA: Nonce,
  /** The new signature public key, which also verifies this request's signature. */
  publicKey: PublicKey,
  answers: RegFormAnswersSchema,
  /** CABackKey: the AES-128 key CertRes is encrypted under. */
  caBackKey: b64uOf(AEAD_KEY_LENGTH),
};

const MAX_CERT_BYTES = 4096;

/**
 * A merchant's renewal (SET Book 2 "Certificate renewal": the request is signed by the old key as
 * well): the merchant's current signature certificate, whose key also signs the request
 * (ProofOfPossession.renewalSig). The MCA keeps that certificate's MerchantID.
 */
export const Renewal = v.strictObject({ certificate: b64uMax(MAX_CERT_BYTES) });

/**
 * A cardholder's renewal (SET Book 2 "Certificate renewal", the cardholder's renewal request
 * types): the card's current certificate, whose key co-signs the request, and the card's
 * PANSecret, which shows the requester knows the card that certificate names (its unique
 * cardholder ID is HMAC(PANSecret, PAN‖expiry)). The new certificate names the same unique ID:
 * the CCA answers NonceCCA = CardSecret XOR PANSecret, so PANSecret does not change and the card
 * keeps its history.
 */
export const CardholderRenewal = v.strictObject({ certificate: b64uMax(MAX_CERT_BYTES), panSecret: Nonce });

/** A cardholder's CertReqData alone: what a wallet keeps of its pending request. */
export const CardholderCertReqData = v.strictObject({
  ...certReqCommon,
  requestType: v.literal('cardholder'),
  panData0: PANData0,
  renewal: v.optional(CardholderRenewal),
});
export type CardholderCertReqData = v.InferOutput<typeof CardholderCertReqData>;

export const CertReqData = v.variant('requestType', [
  CardholderCertReqData,
  v.strictObject({
    ...certReqCommon,
    requestType: v.literal('merchant'),
    kxPublicKey: PublicKey,
    merchantData: MerchantDataFields,
    origins: v.pipe(v.array(WebOrigin), v.minLength(1), v.maxLength(MAX_ORIGINS)),
    renewal: v.optional(Renewal),
  }),
  v.strictObject({ ...certReqCommon, requestType: v.literal('gateway'), kxPublicKey: PublicKey }),
]);
export type CertReqData = v.InferOutput<typeof CertReqData>;

/** The proof-of-possession SignedData, as sealed: no signer thumbprint, the key is in the content. */
export const ProofOfPossession = v.strictObject({
  content: v.pipe(v.string(), v.maxLength(Math.ceil((MAX_CONTENT_BYTES * 4) / 3))),
  sig: Signature,
  /** A renewal: the same content bytes signed by the key of the certificate being renewed. */
  renewalSig: v.optional(Signature),
});

export const CertReqBody = v.strictObject({ sealed: SealedBody });
export type CertReqBody = v.InferOutput<typeof CertReqBody>;

/** merchantData as requested: the MCA assigns `merchantId` (a renewal may name its current one). */
export type MerchantRequestData = Omit<MerchantData, 'merchantId'> & { merchantId?: string };

/** What the requester asks to be certified, beside its signature key. */
export type CertRequest =
  | {
      requestType: 'cardholder';
      card: { pan: string; expiry: string };
      cardSecret?: Uint8Array;
      /** Renewing: the card's current certificate and key (which co-signs), and its PANSecret. */
      renewal?: { certificate: ParsedCertificate; privateKey: Uint8Array; panSecret: Uint8Array };
    }
  | {
      requestType: 'merchant';
      kxPublicKey: Uint8Array;
      merchantData: MerchantRequestData;
      origins: string[];
      /** Renewing: the current signature certificate and its key, which co-signs the request. */
      renewal?: { certificate: ParsedCertificate; privateKey: Uint8Array };
    }
  | { requestType: 'gateway'; kxPublicKey: Uint8Array };

export interface BuiltCertReq {
  wire: Wire<'CertReq', CertReqBody>;
  /** Keep it: verifyCertRes needs it, and it holds CABackKey and CardSecret. */
  content: CertReqData;
  caBackKey: Uint8Array;
  /** Cardholder: the wallet's half of PANSecret; keep it with the card (TransStain uses it). */
  cardSecret?: Uint8Array;
}

/** What every CertReq is built from; `request` says what is to be certified. */
export interface CertReqParams<R extends CertRequest = CertRequest> {
  answering: { lidEE: string; lidCA: string; challCA: string };
  caKeyExchange: ParsedCertificate;
  privateKey: Uint8Array;
  /**
   * The new key's public point, when the caller has it (the wallet: from the key generation).
   * Without it the platform computes it from the scalar, which Firefox's WebCrypto cannot do
   * for a key imported from PKCS#8 without its point.
   */
  publicKey?: Uint8Array;
  request: R;
  answers?: RegFormAnswers;
  now?: Date;
}

/**
 * Requester side. `answering` is the CA's RegFormRes (cardholder) or Me-AqCInitRes content;
 * `caKeyExchange` the CA key-exchange certificate from CardCInitRes or Me-AqCInitRes;
 * `privateKey` the new signature key, which signs the request and never leaves the caller.
 */
export async function buildCertReq(p: CertReqParams): Promise<BuiltCertReq> {
  const r = p.request;
  if (r.requestType === 'cardholder') return buildCardholderCertReq({ ...p, request: r });
  const { common, caBackKey } = await certReqCommonOf(p);
  const content: CertReqData =
    r.requestType === 'merchant'
      ? {
          ...common,
          requestType: 'merchant',
          kxPublicKey: b64u(r.kxPublicKey),
          merchantData: r.merchantData,
          origins: r.origins,
          ...(r.renewal ? { renewal: { certificate: b64u(r.renewal.certificate.der) } } : {}),
        }
      : { ...common, requestType: 'gateway', kxPublicKey: b64u(r.kxPublicKey) };
  const renewalKey = r.requestType === 'merchant' ? r.renewal?.privateKey : undefined;
  return { ...(await sealCertReq(p, content, renewalKey)), content, caBackKey };
}

/**
 * buildCertReq for a cardholder (what a wallet sends), without the merchant's and gateway's
 * requests in its bundle. Also returns the CardSecret drawn (or given), to keep with the card.
 */
export async function buildCardholderCertReq(
  p: CertReqParams<Extract<CertRequest, { requestType: 'cardholder' }>>,
): Promise<BuiltCertReq & { content: CardholderCertReqData; cardSecret: Uint8Array }> {
  const r = p.request;
  const { common, caBackKey } = await certReqCommonOf(p);
  const cardSecret = r.cardSecret ?? randomBytes(CARD_SECRET_LENGTH);
  const content: CardholderCertReqData = {
    ...common,
    requestType: 'cardholder',
    panData0: {
      pan: r.card.pan,
      expiry: r.card.expiry,
      cardSecret: b64u(cardSecret),
      exNonce: b64u(randomNonce()),
    },
    ...(r.renewal
      ? { renewal: { certificate: b64u(r.renewal.certificate.der), panSecret: b64u(r.renewal.panSecret) } }
      : {}),
  };
  const { wire } = await sealCertReq(p, content, r.renewal?.privateKey);
  return { wire, content, caBackKey, cardSecret };
}

/** The fields every CertReqData has, with a fresh CABackKey, after checking the CA's type. */
async function certReqCommonOf(p: CertReqParams) {
  const type = p.request.requestType;
  if (p.caKeyExchange.certificateType !== caTypeFor(type)) {
    fail('invalidCertificate', `a ${type} registers with a ${caTypeFor(type)}`);
  }
  const caBackKey = randomBytes(AEAD_KEY_LENGTH);
  const common = {
    type: 'CertReqData' as const,
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    lidEE: p.answering.lidEE,
    lidCA: p.answering.lidCA,
    challEE3: b64u(randomNonce()),
    challCA: p.answering.challCA,
    publicKey: b64u(p.publicKey ? checkedPoint(p.publicKey) : await publicKeyOfNative(p.privateKey)),
    answers: p.answers ?? {},
    caBackKey: b64u(caBackKey),
  };
  return { common, caBackKey };
}

/**
 * Signs `content` with the new key (and, renewing, with the current key too: renewalSig) and
 * seals it to the CA's key-exchange certificate.
 */
async function sealCertReq(
  p: CertReqParams,
  content: CertReqData,
  renewalKey: Uint8Array | undefined,
): Promise<{ wire: Wire<'CertReq', CertReqBody> }> {
  const signed = await signWithKey(content, p.privateKey);
  const pop = renewalKey
    ? {
        ...signed,
        renewalSig: b64u(
          await signNative(signedDataTbs(fromB64u(signed.content, 'content')), await signingKey(renewalKey)),
        ),
      }
    : signed;
  const body = { sealed: await sealTo(p.caKeyExchange, 'CertReq', jsonBytes(pop)) };
  return { wire: makeWire('CertReq', headerFor(content), body) };
}

function checkedPoint(publicKey: Uint8Array): Uint8Array {
  if (!isValidPublicKey(publicKey)) fail('decodingFailure', 'the new key is not a valid P-256 point');
  return publicKey;
}

/** What a CA remembers of the RegFormRes or Me-AqCInitRes it sent, keyed by LID-CA. */
export interface PendingRegistration {
  lidEE: string;
  challCA: string;
  requestType: RequestType;
}

export interface OpenedCertReq {
  content: CertReqData;
  /** The new signature key, proven by the request's own signature. */
  publicKey: Uint8Array;
  /**
   * A renewal: the certificate it renews, whose key signed this very request (for a cardholder,
   * one naming the unique ID of the card in panData0). Whether it is this CA's, current,
   * unexpired and unrevoked is the CA's to check against its records.
   */
  renewing?: ParsedCertificate;
}

/**
 * CA side. Checks, in order: wrapper, opening with the CA key-exchange key, the proof-of-possession
 * signature by the key being certified, header and date, then the pending registration: LID-CA
 * (unknownRRPID), Chall-CA (challengeMismatch), LID-EE and request type.
 */
export async function openCertReq(
  input: string | Uint8Array,
  ca: Recipient,
  pendingFor: (lidCA: string) => PendingRegistration | undefined,
  clock: Clock,
): Promise<OpenedCertReq> {
  const wire = decodeWireOf(input, 'CertReq');
  const body = parseWith(CertReqBody, wire.body, 'CertReq.body');
  const pop = parseContent(
    await openSealed(body.sealed, ca, 'CertReq'),
    ProofOfPossession,
    'CertReq signed data',
  );
  // The key to verify with is inside the content: read it unverified, then verify and re-read.
  const claimed = parsePlain(pop.content, CertReqData, 'CertReq').content;
  const publicKey = fromB64u(claimed.publicKey, 'publicKey');
  const { content, bytes } = await verifyWithKey(pop, publicKey, CertReqData, 'CertReq');
  checkHeader(wire, content);
  checkDate(content.date, clock, 'CertReq');
  const renewing = await checkRenewal(content, pop.renewalSig, bytes);
  if (content.requestType !== 'cardholder') {
    const kx = fromB64u(content.kxPublicKey, 'kxPublicKey');
    if (!isValidPublicKey(kx)) fail('decodingFailure', 'kxPublicKey is not a P-256 public key');
    // SET keeps signature and key-exchange keys apart (SET Book 2 "Certificate Management").
    if (constantTimeEqual(kx, publicKey))
      fail('decodingFailure', 'the key-exchange key must differ from the signature key');
  }
  const pending = pendingFor(content.lidCA);
  if (!pending) fail('unknownRRPID', 'CertReq names a LID-CA with no registration in progress');
  if (!constantTimeEqualB64(content.challCA, pending.challCA)) {
    fail('challengeMismatch', 'CertReq does not carry our Chall-CA');
  }
  if (content.lidEE !== pending.lidEE)
    fail('badMessageHeader', 'CertReq names another LID-EE than the registration');
  if (content.requestType !== pending.requestType) {
    fail(
      'badMessageHeader',
      `CertReq asks for a ${content.requestType} certificate in a ${pending.requestType} registration`,
    );
  }
  return { content, publicKey, ...(renewing ? { renewing } : {}) };
}

/**
 * A renewal's certificate must be a signature certificate of the requester's kind whose key signed
 * `bytes` too; a cardholder's must name the unique ID of this card under the PANSecret given.
 */
async function checkRenewal(
  content: CertReqData,
  renewalSig: string | undefined,
  bytes: Uint8Array,
): Promise<ParsedCertificate | undefined> {
  const renewal = content.requestType === 'gateway' ? undefined : content.renewal;
  if (!renewal) {
    if (renewalSig !== undefined)
      fail('decodingFailure', 'CertReq carries a renewal signature but renews nothing');
    return undefined;
  }
  const certificate = parseCertificate(fromB64u(renewal.certificate, 'renewal.certificate'));
  if (certificate.certificateType !== content.requestType || certificate.keyRole !== 'signature') {
    fail(
      'invalidCertificate',
      `a renewal names the ${content.requestType} signature certificate being renewed`,
    );
  }
  if (renewalSig === undefined) fail('signatureFailure', 'a renewal must also be signed by the current key');
  if (
    !(await verifyNative(
      fromB64u(renewalSig, 'renewalSig'),
      signedDataTbs(bytes),
      await verifyKeyOf(certificate),
    ))
  ) {
    fail('signatureFailure', 'the renewal signature does not verify with the certificate being renewed');
  }
  if (content.requestType === 'cardholder' && content.renewal) {
    const id = uniqueCardholderId(
      fromB64u(content.renewal.panSecret, 'renewal.panSecret'),
      content.panData0.pan,
      content.panData0.expiry,
    );
    const named = certificate.uniqueCardholderId;
    if (!named || !constantTimeEqual(id, named)) {
      fail('invalidCertificate', 'the certificate being renewed names another card than panData0');
    }
  }
  return certificate;
}

/** A CA's decision on a CertReq. A rejection is a business result, carried in CertRes. */
export type CertResult =
  | IssuedCertificates
  | { status: 'rejected'; reason?: string }
  /** The CA decides later: the requester asks again with CertInqReq (cert-inq.ts). */
  | { status: 'pending'; reason?: string };

export interface IssuedCertificates {
  status: 'issued';
  /** The signature certificate. */
  certificate: ParsedCertificate;
  /** Merchant and gateway: the key-exchange certificate. */
  kxCertificate?: ParsedCertificate;
  /** Cardholder: the CA's half of PANSecret. */
  nonceCca?: Uint8Array;
}

export const CERTIFICATE_VALIDITY_YEARS = 2;

/**
 * A cardholder request's NonceCCA and the unique ID the certificate will name: a fresh NonceCCA,
 * or for a renewal CardSecret XOR PANSecret, so the card keeps its PANSecret and unique ID.
 */
export function cardholderIdentity(req: Extract<CertReqData, { requestType: 'cardholder' }>): {
  nonceCca: Uint8Array;
  uniqueId: Uint8Array;
} {
  const cardSecret = fromB64u(req.panData0.cardSecret, 'cardSecret');
  const nonceCca = req.renewal
    ? panSecretOf(cardSecret, fromB64u(req.renewal.panSecret, 'renewal.panSecret'))
    : randomNonce();
  const panSecret = panSecretOf(cardSecret, nonceCca);
  return { nonceCca, uniqueId: uniqueCardholderId(panSecret, req.panData0.pan, req.panData0.expiry) };
}

/** The validity the CA gives: from now (back-dated by the allowed skew) for `validityMs` (default two years), never beyond the issuer. */
export function validityFrom(
  now: Date,
  issuer: ParsedCertificate,
  validityMs?: number,
): { notBefore: Date; notAfter: Date } {
  const end = new Date(now);
  end.setUTCFullYear(end.getUTCFullYear() + CERTIFICATE_VALIDITY_YEARS);
  if (validityMs !== undefined) end.setTime(now.getTime() + validityMs);
  return {
    // Back-dated by the allowed clock skew so a requester whose clock runs behind accepts it at once.
    notBefore: new Date(now.getTime() - DEFAULT_MAX_SKEW_MS),
    notAfter: end < issuer.notAfter ? end : issuer.notAfter,
  };
}

export const MAX_REASON_LENGTH = 1024;

/**
 * The CA's decision, as CertRes (CertResData) and CertInqRes (CertInqResData) carry it: issued,
 * rejected, or pending (SET's "request pending": the requester asks later with CertInqReq).
 */
function certResultSchema<T extends 'CertResData' | 'CertInqResData'>(type: T) {
  const certResCommon = {
    type: v.literal(type),
    date: Timestamp,
    rrpid: Nonce,
    lidEE: Label,
    lidCA: Label,
    challEE3: Nonce,
  };
  const reason = v.optional(v.pipe(Text(MAX_REASON_LENGTH), v.minLength(1)));
  return v.variant('status', [
    v.strictObject({
      ...certResCommon,
      status: v.literal('issued'),
      /** Cardholder: the CA's half of PANSecret. */
      nonceCCA: v.optional(Nonce),
      /** base64url DER of the new signature certificate. */
      certificate: b64uMax(MAX_CERT_BYTES),
      /** Merchant and gateway: base64url DER of the new key-exchange certificate. */
      kxCertificate: v.optional(b64uMax(MAX_CERT_BYTES)),
    }),
    v.strictObject({ ...certResCommon, status: v.literal('rejected'), reason }),
    v.strictObject({ ...certResCommon, status: v.literal('pending'), reason }),
  ]);
}

export const CertResData = certResultSchema('CertResData');
export type CertResData = v.InferOutput<typeof CertResData>;
export const CertInqResData = certResultSchema('CertInqResData');
export type CertInqResData = v.InferOutput<typeof CertInqResData>;

export const MAX_CERT_RES_CT_BYTES = 40 * 1024;

/** The SignedData bytes of CertResData, AES-128-GCM under CABackKey. */
export const CertResBody = v.strictObject({
  iv: b64uOf(AEAD_NONCE_LENGTH),
  ct: b64uMax(MAX_CERT_RES_CT_BYTES),
});
export type CertResBody = v.InferOutput<typeof CertResBody>;

/** What a CertRes or CertInqRes answers: its request's RRPID, LIDs and Chall-EE3. */
export interface CertAnswerable {
  rrpid: string;
  lidEE: string;
  lidCA: string;
  challEE3: string;
}

const RESULT_WIRE = { CertResData: 'CertRes', CertInqResData: 'CertInqRes' } as const;

/**
 * CA side, for CertRes and CertInqRes: signs the decision, echoing `answers`, and encrypts it
 * under CABackKey (associated data `SET/2 CertRes` or `SET/2 CertInqRes`).
 */
export async function buildCertResult<T extends 'CertResData' | 'CertInqResData'>(p: {
  type: T;
  answers: CertAnswerable;
  caBackKey: string;
  ca: Signer & { chain: ParsedCertificate[] };
  result: CertResult;
  now?: Date;
}): Promise<{ wire: Wire<(typeof RESULT_WIRE)[T], CertResBody>; content: CertResData | CertInqResData }> {
  const common = {
    type: p.type,
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.answers.rrpid,
    lidEE: p.answers.lidEE,
    lidCA: p.answers.lidCA,
    challEE3: p.answers.challEE3,
  };
  const r = p.result;
  const content =
    r.status === 'issued'
      ? {
          ...common,
          status: 'issued' as const,
          ...(r.nonceCca ? { nonceCCA: b64u(r.nonceCca) } : {}),
          certificate: b64u(r.certificate.der),
          ...(r.kxCertificate ? { kxCertificate: b64u(r.kxCertificate.der) } : {}),
        }
      : { ...common, status: r.status, ...(r.reason ? { reason: r.reason } : {}) };
  const signed = await signContent(content, p.ca);
  const iv = randomBytes(AEAD_NONCE_LENGTH);
  const wireType = RESULT_WIRE[p.type];
  const ct = await aeadSealNative(
    fromB64u(p.caBackKey, 'caBackKey'),
    iv,
    utf8(`SET/2 ${wireType}`),
    jsonBytes(signed),
  );
  const wire = makeWire(
    wireType,
    headerFor(content),
    { iv: b64u(iv), ct: b64u(ct) },
    {
      certs: carriedCerts([p.ca.chain]),
    },
  );
  return { wire, content: content as CertResData | CertInqResData };
}

/** CA side: signs the decision and encrypts it under the requester's CABackKey. */
export async function buildCertRes(p: {
  req: CertReqData;
  ca: Signer & { chain: ParsedCertificate[] };
  result: CertResult;
  now?: Date;
}): Promise<{ wire: Wire<'CertRes', CertResBody>; content: CertResData }> {
  return (await buildCertResult({
    type: 'CertResData',
    answers: p.req,
    caBackKey: p.req.caBackKey,
    ...p,
  })) as {
    wire: Wire<'CertRes', CertResBody>;
    content: CertResData;
  };
}

export type VerifiedCertRes =
  | { status: 'rejected'; content: CertResData | CertInqResData; ca: ValidatedPath; reason?: string }
  | { status: 'pending'; content: CertResData | CertInqResData; ca: ValidatedPath; reason?: string }
  | {
      status: 'issued';
      content: CertResData | CertInqResData;
      ca: ValidatedPath;
      /** The new signature certificate and its validated path. */
      certificate: ParsedCertificate;
      path: ValidatedPath;
      /** Merchant and gateway: the new key-exchange certificate and its path. */
      kxCertificate?: ParsedCertificate;
      kxPath?: ValidatedPath;
      /** Cardholder: PANSecret = CardSecret XOR NonceCCA, to keep with the card for PANData. */
      panSecret?: Uint8Array;
    };

/**
 * Requester side: decrypts with CABackKey, verifies the CA's signature and the echoes (RRPID,
 * Chall-EE3, LIDs), then the issued certificates: they certify the keys requested, chain through
 * the CA that signed, and for a cardholder name the unique ID of this card and PANSecret.
 */
export async function verifyCertRes(
  input: string | Uint8Array,
  req: CertReqData,
  ctx: VerifyContext,
): Promise<VerifiedCertRes> {
  return verifyCertResult(input, 'CertResData', req, req, ctx);
}

/**
 * verifyCertRes for a cardholder's CertReq (what a wallet verifies), without the merchant's and
 * gateway's checks in its bundle; the same checks and answers as verifyCertRes.
 */
export async function verifyCardholderCertRes(
  input: string | Uint8Array,
  req: CardholderCertReqData,
  ctx: VerifyContext,
): Promise<VerifiedCertRes> {
  return verifyCardholderCertResult(input, 'CertResData', req, req, ctx);
}

/**
 * Requester side, for CertRes and CertInqRes: decrypts with the CertReq's CABackKey, verifies the
 * CA's signature and the echoes of `answers` (the CertReq, or the CertInqReq asking about it), then
 * what was issued against the CertReq `req`.
 */
export async function verifyCertResult(
  input: string | Uint8Array,
  type: 'CertResData' | 'CertInqResData',
  answers: CertAnswerable,
  req: CertReqData,
  ctx: VerifyContext,
): Promise<VerifiedCertRes> {
  if (req.requestType === 'cardholder') return verifyCardholderCertResult(input, type, answers, req, ctx);
  const opened = await openCertResult(input, type, answers, req, ctx);
  if (opened.status !== 'issued') return opened;
  const { content, ca } = opened;
  const issued = await checkIssued(content.certificate, req.publicKey, 'signature', req, ca, ctx);
  if (content.nonceCCA !== undefined)
    fail('decodingFailure', 'CertRes carries NonceCCA for a non-cardholder');
  if (content.kxCertificate === undefined)
    fail('decodingFailure', `CertRes for a ${req.requestType} lacks the key-exchange certificate`);
  const kx = await checkIssued(content.kxCertificate, req.kxPublicKey, 'key-exchange', req, ca, ctx);
  if (req.requestType === 'merchant') {
    // The MCA assigns the MerchantID; a renewal keeps the one of the certificate it renews.
    const renewed = req.renewal
      ? parseCertificate(fromB64u(req.renewal.certificate, 'renewal.certificate')).merchantData?.merchantId
      : undefined;
    const expectedId = req.merchantData.merchantId ?? renewed;
    const assigned = issued.certificate.merchantData?.merchantId;
    for (const cert of [issued.certificate, kx.certificate]) {
      if (!sameMerchantData(cert.merchantData, req.merchantData)) {
        fail('invalidCertificate', 'the new merchant certificate carries other merchant data than requested');
      }
      if (cert.merchantData?.merchantId !== (expectedId ?? assigned)) {
        fail('invalidCertificate', 'the new merchant certificates carry another MerchantID than expected');
      }
    }
    const named = new Set(issued.certificate.origins);
    if (named.size !== req.origins.length || !req.origins.every((o) => named.has(o))) {
      fail('invalidCertificate', 'the new merchant certificate names other web origins than requested');
    }
  }
  return { status: 'issued', content, ca, ...issued, kxCertificate: kx.certificate, kxPath: kx.path };
}

/** verifyCertResult for a cardholder's CertReq: the certificate names this card's unique ID. */
export async function verifyCardholderCertResult(
  input: string | Uint8Array,
  type: 'CertResData' | 'CertInqResData',
  answers: CertAnswerable,
  req: CardholderCertReqData,
  ctx: VerifyContext,
): Promise<VerifiedCertRes> {
  const opened = await openCertResult(input, type, answers, req, ctx);
  if (opened.status !== 'issued') return opened;
  const { content, ca } = opened;
  const issued = await checkIssued(content.certificate, req.publicKey, 'signature', req, ca, ctx);
  // A cardholder has a signature certificate only (SET-PROFILE §1).
  if (content.kxCertificate !== undefined)
    fail('decodingFailure', 'CertRes offers a cardholder a key-exchange certificate');
  if (content.nonceCCA === undefined) fail('decodingFailure', 'CertRes for a cardholder lacks NonceCCA');
  const panData0 = req.panData0;
  const panSecret = panSecretOf(
    fromB64u(panData0.cardSecret, 'cardSecret'),
    fromB64u(content.nonceCCA, 'nonceCCA'),
  );
  const id = uniqueCardholderId(panSecret, panData0.pan, panData0.expiry);
  const certId = issued.certificate.uniqueCardholderId;
  if (!certId || !constantTimeEqual(id, certId)) {
    fail('invalidCertificate', 'the new certificate does not name this card’s unique cardholder ID');
  }
  return { status: 'issued', content, ca, ...issued, panSecret };
}

/**
 * What every requester checks of a CertRes or CertInqRes: decrypted with the CertReq's CABackKey,
 * signed by a CA of the requester's kind, echoing `answers`, dated now. A decision other than
 * issued is returned as the answer; an issued one for its certificates to be checked.
 */
async function openCertResult(
  input: string | Uint8Array,
  type: 'CertResData' | 'CertInqResData',
  answers: CertAnswerable,
  req: CertReqData,
  ctx: VerifyContext,
): Promise<
  | Exclude<VerifiedCertRes, { status: 'issued' }>
  | {
      status: 'issued';
      content: Extract<CertResData | CertInqResData, { status: 'issued' }>;
      ca: ValidatedPath;
    }
> {
  const wireType = RESULT_WIRE[type];
  const wire = decodeWireOf(input, wireType);
  const body = parseWith(CertResBody, wire.body, `${wireType}.body`);
  const signedBytes = await aeadOpenNative(
    fromB64u(req.caBackKey, 'caBackKey'),
    fromB64u(body.iv, `${wireType}.iv`),
    utf8(`SET/2 ${wireType}`),
    fromB64u(body.ct, `${wireType} ciphertext`),
  );
  const signed = parseContent(signedBytes, SignedBody, `${wireType} signed data`);
  ctx.trust.addEncoded(wire.certs);
  const { content, path: ca } = await verifySigned(
    signed,
    type === 'CertResData' ? CertResData : CertInqResData,
    wireType,
    ctx.trust,
    caSignature(req.requestType),
    ctx.clock,
  );
  checkHeader(wire, content);
  if (content.rrpid !== answers.rrpid)
    fail('unknownRRPID', `${wireType} answers a different request (RRPID)`);
  if (content.challEE3 !== answers.challEE3)
    fail('challengeMismatch', `${wireType} does not echo our Chall-EE3`);
  if (content.lidEE !== req.lidEE || content.lidCA !== req.lidCA) {
    fail('badMessageHeader', `${wireType} names other LID-EE/LID-CA than we sent`);
  }
  checkDate(content.date, ctx.clock, wireType);
  if (content.status !== 'issued') {
    const reason = content.reason ? { reason: content.reason } : {};
    return content.status === 'pending'
      ? { status: 'pending', content, ca, ...reason }
      : { status: 'rejected', content, ca, ...reason };
  }
  return { status: 'issued', content, ca };
}

/** Parses an issued certificate; it must certify `publicKey`, for `keyRole`, through the signing CA. */
async function checkIssued(
  encoded: string,
  publicKey: string,
  keyRole: 'signature' | 'key-exchange',
  req: CertReqData,
  ca: ValidatedPath,
  ctx: VerifyContext,
): Promise<{ certificate: ParsedCertificate; path: ValidatedPath }> {
  const certificate = parseCertificate(fromB64u(encoded, 'certificate'));
  if (!constantTimeEqual(certificate.publicKey, fromB64u(publicKey, 'publicKey'))) {
    fail('invalidCertificate', `the new ${keyRole} certificate certifies another key than the one requested`);
  }
  ctx.trust.add(certificate);
  const path = await ctx.trust.verify(
    certificate.thumbprint,
    { types: [req.requestType], keyRole },
    ctx.clock,
  );
  if (!constantTimeEqual(path.chain[1]!.thumbprint, ca.chain[0]!.thumbprint)) {
    fail(
      'invalidCertificate',
      `the new ${keyRole} certificate was issued by another CA than the one that answered`,
    );
  }
  return { certificate, path };
}

/** The same merchant data, the MerchantID aside (the MCA's to assign). */
function sameMerchantData(a: MerchantData | undefined, b: MerchantRequestData): boolean {
  return (
    a !== undefined &&
    a.name === b.name &&
    a.city === b.city &&
    a.stateProvince === b.stateProvince &&
    a.country === b.country &&
    a.categoryCode === b.categoryCode
  );
}

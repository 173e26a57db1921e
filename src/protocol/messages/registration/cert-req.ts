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
import { b64u, constantTimeEqualB64, fromB64u, hex, jsonBytes, utf8 } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import { issueEndEntity } from '../../pki/ca.ts';
import { isWebOrigin, parseCertificate } from '../../pki/certificate.ts';
import { verifyKeyOf } from '../../pki/keys.ts';
import type {
  DistinguishedName,
  Issuer,
  MerchantData,
  ParsedCertificate,
  ValidatedPath,
} from '../../pki/types.ts';
import { CARD_SECRET_LENGTH, panSecretOf, uniqueCardholderId } from '../../pki/unique-id.ts';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, aeadOpenNative, aeadSealNative } from '../../primitives/aead.ts';
import { isValidPublicKey, publicKeyOf, signNative, verifyNative } from '../../primitives/ecdsa.ts';
import { constantTimeEqual, randomBytes, randomNonce } from '../../primitives/hash.ts';
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

export const CertReqData = v.variant('requestType', [
  v.strictObject({ ...certReqCommon, requestType: v.literal('cardholder'), panData0: PANData0 }),
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
  | { requestType: 'cardholder'; card: { pan: string; expiry: string }; cardSecret?: Uint8Array }
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

/**
 * Requester side. `answering` is the CA's RegFormRes (cardholder) or Me-AqCInitRes content;
 * `caKeyExchange` the CA key-exchange certificate from CardCInitRes or Me-AqCInitRes;
 * `privateKey` the new signature key, which signs the request and never leaves the caller.
 */
export async function buildCertReq(p: {
  answering: { lidEE: string; lidCA: string; challCA: string };
  caKeyExchange: ParsedCertificate;
  privateKey: Uint8Array;
  request: CertRequest;
  answers?: RegFormAnswers;
  now?: Date;
}): Promise<BuiltCertReq> {
  const r = p.request;
  if (p.caKeyExchange.certificateType !== caTypeFor(r.requestType)) {
    fail('invalidCertificate', `a ${r.requestType} registers with a ${caTypeFor(r.requestType)}`);
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
    publicKey: b64u(publicKeyOf(p.privateKey)),
    answers: p.answers ?? {},
    caBackKey: b64u(caBackKey),
  };
  let content: CertReqData;
  let cardSecret: Uint8Array | undefined;
  if (r.requestType === 'cardholder') {
    cardSecret = r.cardSecret ?? randomBytes(CARD_SECRET_LENGTH);
    const panData0 = {
      pan: r.card.pan,
      expiry: r.card.expiry,
      cardSecret: b64u(cardSecret),
      exNonce: b64u(randomNonce()),
    };
    content = { ...common, requestType: 'cardholder', panData0 };
  } else if (r.requestType === 'merchant') {
    content = {
      ...common,
      requestType: 'merchant',
      kxPublicKey: b64u(r.kxPublicKey),
      merchantData: r.merchantData,
      origins: r.origins,
      ...(r.renewal ? { renewal: { certificate: b64u(r.renewal.certificate.der) } } : {}),
    };
  } else {
    content = { ...common, requestType: 'gateway', kxPublicKey: b64u(r.kxPublicKey) };
  }
  const signed = await signWithKey(content, p.privateKey);
  const pop =
    r.requestType === 'merchant' && r.renewal
      ? {
          ...signed,
          renewalSig: b64u(
            await signNative(
              signedDataTbs(fromB64u(signed.content, 'content')),
              await signingKey(r.renewal.privateKey),
            ),
          ),
        }
      : signed;
  const body = { sealed: await sealTo(p.caKeyExchange, 'CertReq', jsonBytes(pop)) };
  const wire = makeWire('CertReq', headerFor(content), body);
  return { wire, content, caBackKey, ...(cardSecret ? { cardSecret } : {}) };
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
   * A merchant's renewal: the certificate it renews, whose key signed this very request. Whether
   * it is this MCA's, current and unrevoked is the CA's to check against its records.
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

/** A renewal's certificate must be a merchant signature certificate whose key signed `bytes` too. */
async function checkRenewal(
  content: CertReqData,
  renewalSig: string | undefined,
  bytes: Uint8Array,
): Promise<ParsedCertificate | undefined> {
  const renewal = content.requestType === 'merchant' ? content.renewal : undefined;
  if (!renewal) {
    if (renewalSig !== undefined)
      fail('decodingFailure', 'CertReq carries a renewal signature but renews nothing');
    return undefined;
  }
  const certificate = parseCertificate(fromB64u(renewal.certificate, 'renewal.certificate'));
  if (certificate.certificateType !== 'merchant' || certificate.keyRole !== 'signature') {
    fail('invalidCertificate', 'a renewal names the merchant signature certificate being renewed');
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
  return certificate;
}

/** A CA's decision on a CertReq. A rejection is a business result, carried in CertRes. */
export type CertResult = IssuedCertificates | { status: 'rejected'; reason?: string };

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
 * CA side: issues what an opened CertReq asks for, valid for two years (never beyond the CA's own
 * certificate). For a cardholder: NonceCCA is fresh, PANSecret = CardSecret XOR NonceCCA, and the
 * certificate names the unique cardholder ID HMAC(PANSecret, PAN, expiry), never the PAN.
 * `subject` defaults to the merchant name, or for a gateway to its LID-EE; a cardholder's CN is
 * always the unique ID.
 */
export function issueFromCertReq(p: {
  req: CertReqData;
  issuer: Issuer;
  subject?: DistinguishedName;
  /** A merchant: the MerchantID the MCA assigned (default: the one requested, for tests). */
  merchantId?: string;
  now?: Date;
}): IssuedCertificates {
  const req = p.req;
  if (p.issuer.certificate.certificateType !== caTypeFor(req.requestType)) {
    fail(
      'invalidCertificate',
      `a ${p.issuer.certificate.certificateType} cannot certify a ${req.requestType}`,
    );
  }
  const now = p.now ?? new Date();
  const twoYears = new Date(now);
  twoYears.setUTCFullYear(twoYears.getUTCFullYear() + CERTIFICATE_VALIDITY_YEARS);
  const validity = {
    // Back-dated by the allowed clock skew so a requester whose clock runs behind accepts it at once.
    notBefore: new Date(now.getTime() - DEFAULT_MAX_SKEW_MS),
    notAfter: twoYears < p.issuer.certificate.notAfter ? twoYears : p.issuer.certificate.notAfter,
  };
  const publicKey = fromB64u(req.publicKey, 'publicKey');
  switch (req.requestType) {
    case 'cardholder': {
      const nonceCca = randomNonce();
      const panSecret = panSecretOf(fromB64u(req.panData0.cardSecret, 'cardSecret'), nonceCca);
      const id = uniqueCardholderId(panSecret, req.panData0.pan, req.panData0.expiry);
      const certificate = issueEndEntity(p.issuer, {
        certificateType: 'cardholder',
        keyRole: 'signature',
        publicKey,
        subject: { ...p.subject, commonName: hex(id) },
        ...validity,
        uniqueCardholderId: id,
      });
      return { status: 'issued', certificate, nonceCca };
    }
    case 'merchant': {
      const merchantId = p.merchantId ?? req.merchantData.merchantId;
      if (merchantId === undefined)
        fail('unspecifiedFailure', 'the Merchant CA has not assigned a MerchantID');
      const merchantData: MerchantData = { ...req.merchantData, merchantId };
      const subject = p.subject ?? { commonName: merchantData.name, country: merchantData.country };
      const common = { certificateType: 'merchant' as const, subject, merchantData, ...validity };
      const certificate = issueEndEntity(p.issuer, {
        ...common,
        keyRole: 'signature',
        publicKey,
        origins: req.origins,
      });
      const kxCertificate = issueEndEntity(p.issuer, {
        ...common,
        keyRole: 'key-exchange',
        publicKey: fromB64u(req.kxPublicKey, 'kxPublicKey'),
      });
      return { status: 'issued', certificate, kxCertificate };
    }
    case 'gateway': {
      const subject = p.subject ?? { commonName: `Payment gateway ${req.lidEE}` };
      const common = { certificateType: 'gateway' as const, subject, cardCertRequired: true, ...validity };
      const certificate = issueEndEntity(p.issuer, { ...common, keyRole: 'signature', publicKey });
      const kxCertificate = issueEndEntity(p.issuer, {
        ...common,
        keyRole: 'key-exchange',
        publicKey: fromB64u(req.kxPublicKey, 'kxPublicKey'),
      });
      return { status: 'issued', certificate, kxCertificate };
    }
  }
}

export const MAX_REASON_LENGTH = 1024;

const certResCommon = {
  type: v.literal('CertResData'),
  date: Timestamp,
  rrpid: Nonce,
  lidEE: Label,
  lidCA: Label,
  challEE3: Nonce,
};

export const CertResData = v.variant('status', [
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
  v.strictObject({
    ...certResCommon,
    status: v.literal('rejected'),
    reason: v.optional(v.pipe(Text(MAX_REASON_LENGTH), v.minLength(1))),
  }),
]);
export type CertResData = v.InferOutput<typeof CertResData>;

export const MAX_CERT_RES_CT_BYTES = 40 * 1024;

/** The SignedData bytes of CertResData, AES-128-GCM under CABackKey. */
export const CertResBody = v.strictObject({
  iv: b64uOf(AEAD_NONCE_LENGTH),
  ct: b64uMax(MAX_CERT_RES_CT_BYTES),
});
export type CertResBody = v.InferOutput<typeof CertResBody>;

const CERT_RES_AAD = utf8('SET/2 CertRes');

/** CA side: signs the decision and encrypts it under the requester's CABackKey. */
export async function buildCertRes(p: {
  req: CertReqData;
  ca: Signer & { chain: ParsedCertificate[] };
  result: CertResult;
  now?: Date;
}): Promise<{ wire: Wire<'CertRes', CertResBody>; content: CertResData }> {
  const common = {
    type: 'CertResData' as const,
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.req.rrpid,
    lidEE: p.req.lidEE,
    lidCA: p.req.lidCA,
    challEE3: p.req.challEE3,
  };
  const r = p.result;
  const content: CertResData =
    r.status === 'issued'
      ? {
          ...common,
          status: 'issued',
          ...(r.nonceCca ? { nonceCCA: b64u(r.nonceCca) } : {}),
          certificate: b64u(r.certificate.der),
          ...(r.kxCertificate ? { kxCertificate: b64u(r.kxCertificate.der) } : {}),
        }
      : { ...common, status: 'rejected', ...(r.reason ? { reason: r.reason } : {}) };
  const signed = await signContent(content, p.ca);
  const iv = randomBytes(AEAD_NONCE_LENGTH);
  const ct = await aeadSealNative(
    fromB64u(p.req.caBackKey, 'caBackKey'),
    iv,
    CERT_RES_AAD,
    jsonBytes(signed),
  );
  const wire = makeWire(
    'CertRes',
    headerFor(content),
    { iv: b64u(iv), ct: b64u(ct) },
    {
      certs: carriedCerts([p.ca.chain]),
    },
  );
  return { wire, content };
}

export type VerifiedCertRes =
  | { status: 'rejected'; content: CertResData; ca: ValidatedPath; reason?: string }
  | {
      status: 'issued';
      content: CertResData;
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
  const wire = decodeWireOf(input, 'CertRes');
  const body = parseWith(CertResBody, wire.body, 'CertRes.body');
  const signedBytes = await aeadOpenNative(
    fromB64u(req.caBackKey, 'caBackKey'),
    fromB64u(body.iv, 'CertRes.iv'),
    CERT_RES_AAD,
    fromB64u(body.ct, 'CertRes ciphertext'),
  );
  const signed = parseContent(signedBytes, SignedBody, 'CertRes signed data');
  ctx.trust.addEncoded(wire.certs);
  const { content, path: ca } = await verifySigned(
    signed,
    CertResData,
    'CertRes',
    ctx.trust,
    caSignature(req.requestType),
    ctx.clock,
  );
  checkHeader(wire, content);
  if (content.rrpid !== req.rrpid) fail('unknownRRPID', 'CertRes answers a different CertReq (RRPID)');
  if (content.challEE3 !== req.challEE3) fail('challengeMismatch', 'CertRes does not echo our Chall-EE3');
  if (content.lidEE !== req.lidEE || content.lidCA !== req.lidCA) {
    fail('badMessageHeader', 'CertRes names other LID-EE/LID-CA than we sent');
  }
  checkDate(content.date, ctx.clock, 'CertRes');
  if (content.status === 'rejected') {
    return { status: 'rejected', content, ca, ...(content.reason ? { reason: content.reason } : {}) };
  }

  const issued = await checkIssued(content.certificate, req.publicKey, 'signature', req, ca, ctx);
  if (req.requestType === 'cardholder') {
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

/**
 * A complete SET/2 world for tests: a sandbox hierarchy with real keys, a merchant and a gateway
 * with their certificates, and in-process parties that make the checks SET puts on them. The
 * merchant and gateway here are test parties built only from src/protocol; the real ones live in
 * src/merchant and src/gateway.
 */
import {
  type Amount,
  b64u,
  buildAuthReq,
  buildAuthRes,
  buildBrandCrlIdentifier,
  buildCardCInitReq,
  buildCardCInitRes,
  buildCertInqReq,
  buildCertInqRes,
  buildCertReq,
  buildCertRes,
  buildPInitReq,
  buildPInitRes,
  buildPReq,
  buildPRes,
  buildRegFormReq,
  buildRegFormRes,
  buildSandboxHierarchy,
  type Card,
  type Clock,
  carriedCerts,
  encodeWire,
  fromB64u,
  generateKeyPair,
  hod,
  type InstallRecurData,
  type Issuer,
  issueCrl,
  issueEndEntity,
  issueFromCertReq,
  openCertReq,
  openRegFormReq,
  type ParsedCertificate,
  type PendingOrder,
  type PendingRegistration,
  panSecretOf,
  parseCardCInitReq,
  parsePInitReq,
  type RegForm,
  type RevocationInForce,
  randomNonce,
  SetError,
  sealCapToken,
  TrustStore,
  uniqueCardholderId,
  type VerifiedPInitRes,
  verifyAuthReq,
  verifyAuthRes,
  verifyCardCInitRes,
  verifyCertInqReq,
  verifyCertInqRes,
  verifyCertRes,
  verifyPInitRes,
  verifyPReq,
  verifyPRes,
  verifyRegFormRes,
} from '../../src/protocol/index.ts';

export interface Party {
  privateKey: Uint8Array;
  certificate: ParsedCertificate;
  chain: ParsedCertificate[];
}

export function makeWorld(now = new Date(), merchantOrigin = 'https://shop.example') {
  const h = buildSandboxHierarchy({ merchantOrigin, now });
  const entry = (name: string) => {
    const e = h.entries.find((x) => x.name === name);
    if (!e) throw new Error(`no ${name} in the hierarchy`);
    return e;
  };
  const party = (name: string): Party => {
    const e = entry(name);
    return {
      privateKey: e.privateKey,
      certificate: e.certificate,
      chain: [e.certificate, ...e.issuerNames.map((n) => entry(n).certificate)],
    };
  };
  const issuer = (name: string): Issuer => ({
    certificate: entry(name).certificate,
    privateKey: entry(name).privateKey,
  });
  const root = entry('root').certificate;
  return {
    hierarchy: h,
    root,
    party,
    issuer,
    merchant: party('merchant-sig'),
    merchantKx: party('merchant-kx'),
    gateway: party('gateway-sig'),
    gatewayKx: party('gateway-kx'),
    clock: { now } as Clock,
    trust: () => new TrustStore([root]),
  };
}
export type World = ReturnType<typeof makeWorld>;

/** The CAs of the world that publish CRLs (src/ca/revocation.ts ISSUING_CAS). */
export type CrlIssuer = 'brand-ca' | 'cca' | 'mca' | 'pca';
const CRL_ISSUERS: readonly CrlIssuer[] = ['brand-ca', 'cca', 'mca', 'pca'];
const inForceOf = new WeakMap<World, RevocationInForce>();

/**
 * A brand's revocation state as the issuer site publishes it: a CRL from each CA (all numbered
 * `crlNumber`, revoking `revoked`) and the brand CA's BrandCRLIdentifier (`sequence`) listing them.
 * With no arguments, the world's nothing-revoked state (made once per world).
 */
export async function revocationOf(
  world: World,
  p: {
    revoked?: { ca: CrlIssuer; serialNumber: string }[];
    crlNumber?: number;
    sequence?: number;
    at?: Date;
  } = {},
): Promise<RevocationInForce> {
  const plain = Object.keys(p).length === 0;
  const known = plain ? inForceOf.get(world) : undefined;
  if (known) return known;
  const at = p.at ?? world.clock.now;
  const nextUpdate = new Date(at.getTime() + 7 * 86_400_000);
  const crls = CRL_ISSUERS.map((ca) =>
    issueCrl({
      issuer: world.issuer(ca),
      crlNumber: p.crlNumber ?? 1,
      thisUpdate: at,
      nextUpdate,
      revoked: (p.revoked ?? [])
        .filter((r) => r.ca === ca)
        .map((r) => ({ serialNumber: r.serialNumber, revocationDate: at })),
    }),
  );
  const brand = world.party('brand-ca');
  const bci = await buildBrandCrlIdentifier({
    brandCa: { privateKey: brand.privateKey, certificate: brand.certificate },
    brandId: 'SETPay',
    sequence: p.sequence ?? 1,
    crls,
    nextUpdate,
    now: at,
  });
  const inForce = { bci, crls };
  if (plain) inForceOf.set(world, inForce);
  return inForce;
}

export interface Cardholder extends Party {
  card: Card;
}

/** Receives every wire message a flow exchanges, in order, with the plaintext its receiver opened. */
export type Recorder = (wire: string, opened?: unknown) => void;

export const TEST_REG_FORM: RegForm = {
  fields: [
    { name: 'fullName', label: 'Name on card', kind: 'text', required: true, maxLength: 64 },
    { name: 'postcode', label: 'Billing postcode', kind: 'postalCode', required: true, maxLength: 10 },
  ],
  policy: 'By registering you accept the SETPay sandbox cardholder terms.',
};

/**
 * Registers a card over SET: CardCInit → RegForm → CertReq → CertRes against the sandbox CCA,
 * with the unique cardholder ID checked by verifyCertRes. `record` sees each message.
 */
export async function registerCardholder(
  world: World,
  pan = '4111111111111111',
  expiry = '202912',
  record: Recorder = () => {},
  /** Also ask with CertInqReq → CertInqRes (as after a lost CertRes), and/or renew this card's certificate. */
  extra: { inquire?: boolean; renew?: Cardholder } = {},
): Promise<Cardholder> {
  const clock = world.clock;
  const wallet = { trust: world.trust(), clock };
  const cca = world.party('cca');
  const ccaKx = world.party('cca-kx');
  const pendings = new Map<string, PendingRegistration>();

  const initReq = buildCardCInitReq({ brandId: 'SETPay', thumbs: wallet.trust.thumbs(), now: clock.now });
  record(encodeWire(initReq.wire));
  const initAtCa = parseCardCInitReq(encodeWire(initReq.wire), clock);
  const initRes = await buildCardCInitRes({
    req: initAtCa,
    ca: cca,
    caKeyExchange: ccaKx.chain,
    now: clock.now,
  });
  record(encodeWire(initRes.wire));
  const init = await verifyCardCInitRes(encodeWire(initRes.wire), initReq.content, wallet);

  const renewing = extra.renew;
  const regReq = await buildRegFormReq({ init, pan, renewal: renewing !== undefined, now: clock.now });
  const regAtCa = await openRegFormReq(encodeWire(regReq.wire), ccaKx, clock);
  record(encodeWire(regReq.wire), regAtCa);
  const regRes = await buildRegFormRes({
    req: regAtCa,
    ca: cca,
    answer: { regForm: renewing ? { fields: [], policy: 'Renewal terms.' } : TEST_REG_FORM },
    now: clock.now,
  });
  record(encodeWire(regRes.wire));
  const regForm = await verifyRegFormRes(encodeWire(regRes.wire), regReq.content, wallet);
  pendings.set(regRes.content.lidCA, {
    lidEE: regRes.content.lidEE,
    challCA: regRes.content.challCA,
    requestType: 'cardholder',
  });

  const keys = generateKeyPair();
  const certReq = await buildCertReq({
    answering: regForm.content,
    caKeyExchange: init.caKeyExchange.chain[0]!,
    privateKey: keys.privateKey,
    request: {
      requestType: 'cardholder',
      card: { pan, expiry },
      ...(renewing
        ? {
            cardSecret: renewing.card.cardSecret,
            renewal: {
              certificate: renewing.certificate,
              privateKey: renewing.privateKey,
              panSecret: renewing.card.panSecret,
            },
          }
        : {}),
    },
    answers: renewing ? {} : { fullName: 'Ada Lovelace', postcode: 'N1 9GU' },
    now: clock.now,
  });
  const opened = await openCertReq(encodeWire(certReq.wire), ccaKx, (lidCA) => pendings.get(lidCA), clock);
  record(encodeWire(certReq.wire), opened.content);
  const result = issueFromCertReq({ req: opened.content, issuer: world.issuer('cca'), now: clock.now });
  const certRes = await buildCertRes({ req: opened.content, ca: cca, result, now: clock.now });
  const verified = await verifyCertRes(encodeWire(certRes.wire), certReq.content, wallet);
  record(encodeWire(certRes.wire), verified.content);
  if (verified.status !== 'issued') throw new Error(`registration was not issued: ${verified.status}`);
  if (extra.inquire) {
    const inq = await buildCertInqReq({
      certReq: certReq.content,
      privateKey: keys.privateKey,
      now: clock.now,
    });
    const inqAtCa = await verifyCertInqReq(
      encodeWire(inq.wire),
      { lidEE: opened.content.lidEE, publicKey: opened.publicKey },
      clock,
    );
    record(encodeWire(inq.wire));
    const inqRes = await buildCertInqRes({
      inq: inqAtCa,
      caBackKey: opened.content.caBackKey,
      ca: cca,
      result,
      now: clock.now,
    });
    record(
      encodeWire(inqRes.wire),
      (await verifyCertInqRes(encodeWire(inqRes.wire), inq.content, certReq.content, wallet)).content,
    );
  }
  return {
    privateKey: keys.privateKey,
    certificate: verified.certificate,
    chain: verified.path.chain.filter((c) => c.certificateType !== 'root'),
    card: { pan, expiry, cardSecret: certReq.cardSecret!, panSecret: verified.panSecret! },
  };
}

/** Issues a cardholder certificate directly from the CCA, with the unique ID bound to PANSecret. */
export function issueCardholder(
  world: World,
  pan = '4111111111111111',
  expiry = '202912',
  cca = world.issuer('cca'),
): Cardholder {
  const cardSecret = randomNonce();
  const panSecret = panSecretOf(cardSecret, randomNonce());
  const keys = generateKeyPair();
  const now = world.clock.now;
  const certificate = issueEndEntity(cca, {
    certificateType: 'cardholder',
    keyRole: 'signature',
    publicKey: keys.publicKey,
    subject: { commonName: 'cardholder' },
    uniqueCardholderId: uniqueCardholderId(panSecret, pan, expiry),
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 365 * 86400_000),
  });
  const brand = world.party('brand-ca').certificate;
  return {
    privateKey: keys.privateKey,
    certificate,
    chain: [certificate, cca.certificate, brand],
    card: { pan, expiry, cardSecret, panSecret },
  };
}

/** The test merchant: PInitReq → PInitRes, PReq → (AuthReq) → PRes. */
export class TestMerchant {
  readonly pending = new Map<
    string,
    PendingOrder & {
      purchAmt: { currency: string; value: number; exponent: number };
      installRecurData?: InstallRecurData;
    }
  >();
  readonly trust: TrustStore;
  /** What PInitRes and PRes attach for a wallet that lacks it (undefined: nothing). */
  revocation: RevocationInForce | Promise<RevocationInForce | undefined> | undefined;
  constructor(readonly world: World) {
    this.trust = world.trust();
    this.revocation = revocationOf(world);
  }

  async pinit(
    reqWire: string,
    order: { od: string; purchAmt: Amount; installRecurData?: InstallRecurData } = {
      od: 'One SET/2 mug',
      purchAmt: { currency: 'EUR', value: 1299, exponent: 2 },
    },
  ) {
    const req = parsePInitReq(reqWire, this.world.clock);
    const revocation = await this.revocation;
    const { wire, content } = await buildPInitRes({
      req,
      merchant: this.world.merchant,
      gatewayKeyExchange: this.world.gatewayKx.chain,
      od: order.od,
      purchAmt: order.purchAmt,
      ...(order.installRecurData ? { installRecurData: order.installRecurData } : {}),
      ...(revocation ? { revocation } : {}),
      now: this.world.clock.now,
    });
    this.pending.set(content.transIds.xid, {
      transIds: content.transIds,
      challC: content.challC,
      challM: content.challM,
      hod: b64u(hod(content.od, content.purchAmt, fromB64u(content.odSalt), content.installRecurData)),
      brandId: content.brandId,
      purchAmt: content.purchAmt,
      ...(content.installRecurData ? { installRecurData: content.installRecurData } : {}),
    });
    return JSON.stringify(wire);
  }

  /** Verifies the PReq and builds the AuthReq for the gateway. */
  async preqToAuthReq(preqWire: string, opts: { acceptUnsigned?: boolean } = {}) {
    const verified = await verifyPReq(
      preqWire,
      (xid) => this.pending.get(xid),
      { trust: this.trust, clock: this.world.clock },
      opts,
    );
    const order = this.pending.get(verified.oiData.transIds.xid)!;
    const auth = await buildAuthReq({
      merchant: this.world.merchant,
      gatewayKeyExchange: this.world.gatewayKx.certificate,
      oiData: verified.oiData,
      hOIData: verified.hOIData,
      piBytes: verified.piBytes,
      // The merchant's key-exchange chain rides along: the gateway seals AuthRes to it.
      cardholderCerts: [...verified.certs, ...carriedCerts([this.world.merchantKx.chain])],
      authReqAmt: order.purchAmt,
      ...(order.installRecurData ? { installRecurData: order.installRecurData } : {}),
      rrpid: b64u(randomNonce()),
      now: this.world.clock.now,
    });
    return { verified, authReq: JSON.stringify(auth.wire), authReqContent: auth.content };
  }

  async authResToPRes(
    authResWire: string,
    authReqContent: Parameters<typeof verifyAuthRes>[1],
    oiData: { rrpid: string; transIds: PendingOrder['transIds']; challC: string },
  ) {
    const { content } = await verifyAuthRes(authResWire, authReqContent, this.world.merchantKx, {
      trust: this.trust,
      clock: this.world.clock,
    });
    const r = content.result;
    const pres = await buildPRes({
      answers: oiData,
      outcome: {
        completionCode: r.status === 'approved' ? 'authorizationPerformed' : 'orderRejected',
        result: { ...r },
      },
      merchant: this.world.merchant,
      now: this.world.clock.now,
    });
    this.pending.delete(oiData.transIds.xid);
    return { authRes: content, pres: JSON.stringify(pres.wire) };
  }
}

/** The test gateway: verifies AuthReq, refuses a reused XID, approves or declines by PAN. */
export class TestGateway {
  readonly trust: TrustStore;
  readonly authorized = new Map<string, { rrpid: string; response: string }>();
  constructor(
    readonly world: World,
    readonly decline = new Set<string>(),
  ) {
    this.trust = world.trust();
  }

  async authorize(authReqWire: string): Promise<string> {
    const ctx = { trust: this.trust, clock: this.world.clock };
    const v = await verifyAuthReq(authReqWire, this.world.gatewayKx, ctx);
    const xid = v.content.transIds.xid;
    const seen = this.authorized.get(xid);
    if (seen) {
      if (seen.rrpid === v.content.rrpid) return seen.response; // a retry: same answer, no second charge
      throw new SetError('unknownXID', 'this XID has already been authorized');
    }
    const pan = v.piData.type === 'PIData' ? v.piData.panData.pan : v.piData.panToken.pan;
    const approved = !this.decline.has(pan);
    const authCode = approved
      ? b64u(randomNonce())
          .replace(/[^A-Z0-9]/g, 'X')
          .slice(0, 6)
          .toUpperCase()
      : undefined;
    const result = approved
      ? { status: 'approved' as const, authCode: authCode!, amount: v.content.authReqAmt }
      : { status: 'declined' as const, reason: 'doNotHonour' as const, amount: v.content.authReqAmt };
    const capToken = approved
      ? await sealCapToken(
          {
            type: 'CapToken',
            xid,
            authAmt: v.content.authReqAmt,
            authCode: authCode!,
            date: this.world.clock.now.toISOString(),
          },
          this.world.gatewayKx.certificate,
        )
      : undefined;
    const res = await buildAuthRes({
      req: v.content,
      gateway: this.world.gateway,
      merchantKeyExchange: this.world.merchantKx.certificate,
      result,
      ...(capToken ? { capToken } : {}),
      now: this.world.clock.now,
    });
    const response = JSON.stringify(res.wire);
    this.authorized.set(xid, { rrpid: v.content.rrpid, response });
    return response;
  }
}

/** The wallet's side of a purchase, step by step, so tests can alter any message between steps. */
export class TestWallet {
  readonly trust: TrustStore;
  constructor(
    readonly world: World,
    readonly cardholder?: Cardholder,
    readonly card: Card = cardholder?.card ?? {
      pan: '4111111111111111',
      expiry: '202912',
      cardSecret: randomNonce(),
      panSecret: randomNonce(),
    },
  ) {
    this.trust = world.trust();
  }

  pinitReq(lidM = 'order-42') {
    return buildPInitReq({
      lidC: 'wallet-1',
      lidM,
      brandId: 'SETPay',
      bin: this.card.pan.slice(0, 6),
      now: this.world.clock.now,
    });
  }

  async verifyPInitRes(
    wire: string,
    req: ReturnType<TestWallet['pinitReq']>['content'],
  ): Promise<VerifiedPInitRes> {
    return await verifyPInitRes(wire, req, { trust: this.trust, clock: this.world.clock });
  }

  async preq(pinit: VerifiedPInitRes) {
    return await buildPReq({
      pinit,
      card: this.card,
      ...(this.cardholder ? { cardholder: this.cardholder } : {}),
      bin: this.card.pan.slice(0, 6),
      swIdent: 'set-wallet-tests/1',
      now: this.world.clock.now,
    });
  }

  async verifyPRes(
    wire: string,
    oiData: { rrpid: string; transIds: PendingOrder['transIds']; challC: string },
    pinit: VerifiedPInitRes,
  ) {
    return await verifyPRes(wire, oiData, pinit.merchant.chain[0]!.thumbprint, {
      trust: this.trust,
      clock: this.world.clock,
    });
  }
}

/** Runs a whole purchase with the test parties and returns every message exchanged. */
export async function purchase(
  world: World,
  wallet: TestWallet,
  merchant = new TestMerchant(world),
  gateway = new TestGateway(world),
) {
  const pinitReq = wallet.pinitReq();
  const pinitResWire = await merchant.pinit(JSON.stringify(pinitReq.wire));
  const pinit = await wallet.verifyPInitRes(pinitResWire, pinitReq.content);
  const preq = await wallet.preq(pinit);
  const preqWire = JSON.stringify(preq.wire);
  const { verified, authReq, authReqContent } = await merchant.preqToAuthReq(preqWire);
  const authResWire = await gateway.authorize(authReq);
  const { authRes, pres } = await merchant.authResToPRes(authResWire, authReqContent, verified.oiData);
  const receipt = await wallet.verifyPRes(pres, preq.oiData, pinit);
  return {
    pinitReq,
    pinitResWire,
    pinit,
    preq,
    preqWire,
    authReq,
    authReqContent,
    authResWire,
    authRes,
    pres,
    receipt,
    merchant,
    gateway,
  };
}

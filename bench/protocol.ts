/**
 * The protocol suite: what SET/2's message layer costs over the cryptography it cannot avoid.
 *
 * Wallet:  buildPReq from a verified PInitRes, beside the raw primitive operations it performs.
 * Gateway: verifyAuthReq on a real AuthReq, beside the raw primitive operations it performs; warm
 *          (a TrustStore that has already validated both chains: a running gateway's steady state)
 *          and cold (a fresh TrustStore each time, so the baseline also holds every
 *          certificate-chain signature verification).
 *
 * Each baseline calls src/protocol/primitives directly on byte arrays taken from the real call
 * (same lengths, same keys), prepared outside the timed loop. The operation lists below mirror the
 * code of buildPReq (messages/purchase/p-req.ts) and verifyAuthReq (messages/payment/auth.ts,
 * exchange.ts, signed.ts, sealed.ts, trust.ts, pki/certificate.ts, pki/path.ts): when those change,
 * these lists must change with them.
 */

import {
  buildPReq,
  fromB64u,
  fromUtf8,
  infoFor,
  lengthPrefixed,
  type ParsedCertificate,
  parseCertificate,
  piTbs,
  signatureToDer,
  signedDataTbs,
  utf8,
  verifyAuthReq,
} from '../src/protocol/index.ts';
import {
  hmacSha256,
  hpkeOpen,
  hpkeSeal,
  isValidPublicKey,
  randomNonce,
  sha256,
  sign,
  signatureFromDer,
  verify,
} from '../src/protocol/primitives/index.ts';
import {
  issueCardholder,
  makeWorld,
  TestMerchant,
  TestWallet,
  type World as TestWorld,
} from '../tests/support/world.ts';
import { type Comparison, compare, type SuiteResult } from './measure.ts';

/** The protocol layer may cost at most 25 % over its primitives. */
export const TARGET_RATIO = 1.25;

export interface Case {
  key: string;
  label: string;
  protocol: () => unknown;
  primitives: () => unknown;
  /** The primitive operations of one call, as counted in the code, with their input sizes. */
  ops: string[];
  sizes: Record<string, number>;
}

function assert(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`bench/protocol: ${what}`);
}

/** A complete purchase up to the AuthReq, with real keys. */
function setUp() {
  const world = makeWorld();
  const cardholder = issueCardholder(world);
  const wallet = new TestWallet(world, cardholder);
  const merchant = new TestMerchant(world);
  const pinitReq = wallet.pinitReq();
  const pinit = wallet.verifyPInitRes(merchant.pinit(JSON.stringify(pinitReq.wire)), pinitReq.content);
  const preq = wallet.preq(pinit);
  const { authReq } = merchant.preqToAuthReq(JSON.stringify(preq.wire));
  return { world, cardholder, wallet, pinit, preq, authReq };
}

type World = ReturnType<typeof setUp>;

function walletCase(w: World): Case {
  const { world, cardholder, wallet, pinit, preq } = w;
  const args = {
    pinit,
    card: wallet.card,
    cardholder,
    bin: wallet.card.pan.slice(0, 6),
    swIdent: 'set-wallet-tests/1',
    now: world.clock.now,
  };

  // The real inputs of each primitive buildPReq calls, from a real PReq.
  const res = pinit.content;
  const oiBytes = utf8(JSON.stringify(preq.oiData));
  const piDataBytes = utf8(JSON.stringify(preq.piData));
  const hodInput = lengthPrefixed(
    utf8('SET/2 HOD'),
    utf8(res.od),
    utf8(res.purchAmt.currency),
    utf8(String(res.purchAmt.value)),
    utf8(String(res.purchAmt.exponent)),
    fromB64u(res.odSalt),
  );
  const xid = fromB64u(res.transIds.xid);
  const gatewayKey = pinit.gateway.chain[0]!.publicKey;
  const piInfo = infoFor('PIData');
  const hOIData = sha256(oiBytes);
  const dsTbs = piTbs(sha256(piDataBytes), hOIData);

  // The sizes really are the ones buildPReq produces (its output is deterministic in length).
  const again = buildPReq(args);
  assert(utf8(JSON.stringify(again.oiData)).length === oiBytes.length, 'OIData length varies between calls');
  assert(
    utf8(JSON.stringify(again.piData)).length === piDataBytes.length,
    'PIData length varies between calls',
  );

  return {
    key: 'walletBuildPReq',
    label: 'wallet buildPReq',
    protocol: () => buildPReq(args),
    primitives: () => {
      sha256(hodInput); // hod()
      randomNonce(); // OIData.rrpid
      hmacSha256(wallet.card.cardSecret, xid); // PIHead.transStain
      randomNonce(); // exNonce
      sha256(oiBytes); // H(OIData)
      sha256(piDataBytes); // H(PIData)
      const sealed = hpkeSeal(gatewayKey, piInfo, hOIData, piDataBytes); // sealTo(gateway, PIData)
      return [sealed, sign(dsTbs, cardholder.privateKey)]; // dualSign
    },
    ops: [
      'SHA-256 (HOD input)',
      '2 × random 32-byte nonce (RRPID, ExNonce)',
      'HMAC-SHA256 (TransStain, key CardSecret, data XID)',
      'SHA-256 (OIData bytes)',
      'SHA-256 (PIData bytes)',
      'HPKE seal (PIData to the gateway key-exchange key, aad H(OIData))',
      'ECDSA P-256 sign (dual signature, PI-TBS)',
    ],
    sizes: {
      hodInput: hodInput.length,
      xid: xid.length,
      oiData: oiBytes.length,
      piData: piDataBytes.length,
      hpkeAad: hOIData.length,
      piTbs: dsTbs.length,
    },
  };
}

export interface AuthReqInputs {
  piBytes: Uint8Array;
  hPI: Uint8Array;
  envelope: { enc: Uint8Array; ct: Uint8Array };
  merchantTbs: Uint8Array;
  merchantSig: Uint8Array;
  merchantKey: Uint8Array;
  pi: { enc: Uint8Array; ct: Uint8Array };
  hOIData: Uint8Array;
  piDataBytes: Uint8Array;
  dsTbs: Uint8Array;
  ds: Uint8Array;
  cardholderKey: Uint8Array;
  panSecret: Uint8Array;
  uniqueIdInput: Uint8Array;
  /** The certificates the AuthReq carries, as parseCertificate sees them. */
  carried: { der: Uint8Array; publicKey: Uint8Array; signatureDer: Uint8Array }[];
  /** [signature, tbs, issuer key] of every certificate on the merchant's and the cardholder's path. */
  chainSignatures: [Uint8Array, Uint8Array, Uint8Array][];
}

/** Takes a real AuthReq apart, with the gateway's key, into the inputs of each primitive it needs. */
function authReqInputs(world: TestWorld, authReq: string): AuthReqInputs {
  const sk = world.gatewayKx.privateKey;
  const wire = JSON.parse(authReq) as {
    certs: string[];
    body: { sealed: { enc: string; ct: string }; baggage: string };
  };
  const piBytes = fromB64u(wire.body.baggage);
  const hPI = sha256(piBytes);
  const envelope = { enc: fromB64u(wire.body.sealed.enc), ct: fromB64u(wire.body.sealed.ct) };
  const signed = JSON.parse(fromUtf8(hpkeOpen(sk, envelope.enc, infoFor('AuthReq'), hPI, envelope.ct))) as {
    content: string;
    sig: string;
  };
  const contentBytes = fromB64u(signed.content);
  const content = JSON.parse(fromUtf8(contentBytes)) as { checkDigests: { hOIData: string } };
  const piWire = JSON.parse(fromUtf8(piBytes)) as { ds: string; sealed: { enc: string; ct: string } };
  const pi = { enc: fromB64u(piWire.sealed.enc), ct: fromB64u(piWire.sealed.ct) };
  const hOIData = fromB64u(content.checkDigests.hOIData);
  const piDataBytes = hpkeOpen(sk, pi.enc, infoFor('PIData'), hOIData, pi.ct);
  const piData = JSON.parse(fromUtf8(piDataBytes)) as {
    panData: { pan: string; expiry: string; panSecret: string };
  };

  // The validated paths, from one warm verification.
  const verified = verifyAuthReq(authReq, world.gatewayKx, { trust: world.trust(), clock: world.clock });
  assert(verified.cardholder, 'the AuthReq is not dual-signed');
  const chainSignatures: AuthReqInputs['chainSignatures'] = [];
  for (const chain of [verified.merchant.chain, verified.cardholder.chain]) {
    chain.forEach((cert: ParsedCertificate, i: number) => {
      const issuer = chain[i + 1] ?? cert; // the root's self-signature is checked too
      chainSignatures.push([cert.signature, cert.tbs, issuer.publicKey]);
    });
  }

  return {
    piBytes,
    hPI,
    envelope,
    merchantTbs: signedDataTbs(contentBytes),
    merchantSig: fromB64u(signed.sig),
    merchantKey: verified.merchant.chain[0]!.publicKey,
    pi,
    hOIData,
    piDataBytes,
    dsTbs: piTbs(sha256(piDataBytes), hOIData),
    ds: fromB64u(piWire.ds),
    cardholderKey: verified.cardholder.chain[0]!.publicKey,
    panSecret: fromB64u(piData.panData.panSecret),
    uniqueIdInput: lengthPrefixed(utf8(piData.panData.pan), utf8(piData.panData.expiry)),
    carried: wire.certs.map((e) => {
      const der = fromB64u(e);
      const c = parseCertificate(der);
      return { der, publicKey: c.publicKey, signatureDer: signatureToDer(c.signature) };
    }),
    chainSignatures,
  };
}

/** verifyAuthReq's primitives with a warm TrustStore: everything but the chain signatures. */
function warmPrimitives(x: AuthReqInputs, sk: Uint8Array, authInfo: Uint8Array, piInfo: Uint8Array): boolean {
  sha256(x.piBytes); // H(baggage): the envelope's associated data
  hpkeOpen(sk, x.envelope.enc, authInfo, x.hPI, x.envelope.ct); // openSealed(AuthReq)
  for (const c of x.carried) {
    // TrustStore.addEncoded → parseCertificate: thumbprint, public-key check, DER signature
    sha256(c.der);
    isValidPublicKey(c.publicKey);
    signatureFromDer(c.signatureDer);
  }
  let ok = verify(x.merchantSig, x.merchantTbs, x.merchantKey); // verifySigned
  hpkeOpen(sk, x.pi.enc, piInfo, x.hOIData, x.pi.ct); // openSealed(PIData)
  sha256(x.piDataBytes); // H(PIData)
  ok = verify(x.ds, x.dsTbs, x.cardholderKey) && ok; // verifyDualSignature
  hmacSha256(x.panSecret, x.uniqueIdInput); // uniqueCardholderId
  return ok;
}

/** The operations of warmPrimitives, in order, for an AuthReq carrying `carried` certificates. */
function warmOps(carried: number): string[] {
  return [
    'SHA-256 (PI baggage: the envelope aad)',
    'HPKE open (AuthReq envelope: the merchant-signed AuthReqData)',
    `${carried} × certificate parse primitives: SHA-256 thumbprint, P-256 point check, DER signature decode`,
    'ECDSA P-256 verify (merchant signature over SignedData TBS)',
    'HPKE open (PIData, aad H(OIData))',
    'SHA-256 (PIData bytes)',
    'ECDSA P-256 verify (dual signature, PI-TBS)',
    'HMAC-SHA256 (unique cardholder ID: PANSecret, len‖PAN‖len‖expiry)',
  ];
}

/**
 * The warm verifyAuthReq baseline for a real AuthReq (bench/gateway.ts uses it as part of its
 * crypto bound): `run` performs the primitive operations verifyAuthReq makes on it with a
 * TrustStore that has validated both chains before; `ops` lists them.
 */
export function warmVerifyAuthReqBaseline(
  world: TestWorld,
  authReq: string,
): { run: () => boolean; ops: string[]; inputs: AuthReqInputs } {
  const x = authReqInputs(world, authReq);
  const sk = world.gatewayKx.privateKey;
  const authInfo = infoFor('AuthReq');
  const piInfo = infoFor('PIData');
  const run = () => warmPrimitives(x, sk, authInfo, piInfo);
  assert(run(), 'a baseline signature does not verify');
  return { run, ops: warmOps(x.carried.length), inputs: x };
}

function gatewayCases(w: World): Case[] {
  const { world, authReq } = w;
  const baseline = warmVerifyAuthReqBaseline(world, authReq);
  const x = baseline.inputs;
  const warm = baseline.run;
  const cold = () => {
    let ok = warm();
    for (const [sig, tbs, key] of x.chainSignatures) ok = verify(sig, tbs, key) && ok; // validatePath
    return ok;
  };
  // The baselines do the real work: every signature they check is valid (a failing check can be faster).
  assert(warm() && cold(), 'a baseline signature does not verify');

  const trust = world.trust();
  const ctx = { trust, clock: world.clock };
  verifyAuthReq(authReq, world.gatewayKx, ctx); // validates and caches both chains

  const ops = baseline.ops;
  const sizes = {
    authReqWire: utf8(authReq).length,
    piBaggage: x.piBytes.length,
    envelopeCiphertext: x.envelope.ct.length,
    merchantTbs: x.merchantTbs.length,
    piCiphertext: x.pi.ct.length,
    piData: x.piDataBytes.length,
    piTbs: x.dsTbs.length,
    uniqueIdInput: x.uniqueIdInput.length,
    carriedCertificates: x.carried.length,
    carriedCertificateBytes: x.carried.reduce((n, c) => n + c.der.length, 0),
  };
  return [
    {
      key: 'gatewayVerifyAuthReqWarm',
      label: 'gateway verifyAuthReq (warm trust)',
      protocol: () => verifyAuthReq(authReq, world.gatewayKx, ctx),
      primitives: warm,
      ops,
      sizes,
    },
    {
      key: 'gatewayVerifyAuthReqCold',
      label: 'gateway verifyAuthReq (cold trust)',
      protocol: () => verifyAuthReq(authReq, world.gatewayKx, { trust: world.trust(), clock: world.clock }),
      primitives: cold,
      ops: [
        ...ops,
        `${x.chainSignatures.length} × ECDSA P-256 verify (certificate chains: merchant and cardholder, each to the root's self-signature)`,
      ],
      sizes: { ...sizes, chainSignatures: x.chainSignatures.length },
    },
  ];
}

const us = (n: number): string => n.toFixed(0);

/** The measurements, each with its baseline, ready to run (exported for profiling). */
export function buildCases(): Case[] {
  const w = setUp();
  return [walletCase(w), ...gatewayCases(w)];
}

export async function run(): Promise<SuiteResult> {
  const cases = buildCases();
  const results: (Case & { result: Comparison })[] = [];
  for (const c of cases) results.push({ ...c, result: compare(c.label, c.protocol, c.primitives) });
  const chainSignatures = cases.find((c) => c.sizes.chainSignatures)?.sizes.chainSignatures;

  return {
    title: `Protocol overhead over primitives (target: ratio ≤ ${TARGET_RATIO})`,
    table: {
      head: ['measurement', 'protocol µs/op', 'p90', 'primitives µs/op', 'p90', 'ratio', 'target', 'verdict'],
      rows: results.map(({ label, result: r }) => [
        label,
        us(r.protocol.medianUs),
        us(r.protocol.p90Us),
        us(r.primitives.medianUs),
        us(r.primitives.p90Us),
        r.ratio.toFixed(3),
        TARGET_RATIO.toFixed(2),
        r.ratio <= TARGET_RATIO ? 'PASS' : 'over',
      ]),
    },
    notes: [
      'µs/op: median and p90 over interleaved batches (protocol, primitives, protocol, …);',
      'ratio = median(protocol) / median(primitives). Baseline = the raw primitive calls the function makes,',
      'on inputs of the same sizes and keys; lists in results.json (suites.protocol.figures.<key>.ops).',
      'warm: TrustStore has validated both chains before (steady state); cold: a fresh TrustStore per call,',
      `its baseline adding the ${chainSignatures} certificate-chain signature verifications.`,
    ],
    checks: results.map(({ key, result: r }) => ({
      name: key,
      value: r.ratio,
      target: TARGET_RATIO,
      pass: r.ratio <= TARGET_RATIO,
    })),
    figures: Object.fromEntries(
      results.map(({ key, label, ops, sizes, result }) => [
        key,
        { label, ...result, ops, inputBytes: sizes },
      ]),
    ),
  };
}

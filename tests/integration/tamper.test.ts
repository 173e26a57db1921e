// The tamper table: each named alteration of a real purchase is rejected with the expected SET ErrorCode.
import { describe, expect, it } from 'vitest';
import * as protocol from '../../src/protocol/index.ts';
import {
  b64u,
  buildPInitRes,
  buildSandboxHierarchy,
  decodeWire,
  type ErrorCode,
  fromB64u,
  generateKeyPair,
  issueCrl,
  issueEndEntity,
  P256_ORDER,
  SetError,
  utf8,
  verifyAuthRes,
  verifyPInitRes,
} from '../../src/protocol/index.ts';
import { flipByte } from '../support/tamper.ts';
import {
  issueCardholder,
  makeWorld,
  purchase,
  TestGateway,
  TestMerchant,
  TestWallet,
  type World,
} from '../support/world.ts';

type Json = Record<string, unknown>;

/** Applies `f` to a copy of the wire message's JSON. */
function editWire(wire: string, f: (w: Json) => void): string {
  const w = JSON.parse(wire) as Json;
  f(w);
  return JSON.stringify(w);
}

/** Edits base64url-encoded JSON bytes (signed or sealed content) without re-signing. */
function editB64Json(encoded: string, f: (c: Json) => void): string {
  const c = JSON.parse(new TextDecoder().decode(fromB64u(encoded))) as Json;
  f(c);
  return b64u(utf8(JSON.stringify(c)));
}

async function codeOf(f: () => unknown): Promise<ErrorCode | 'accepted' | string> {
  try {
    await f();
    return 'accepted';
  } catch (e) {
    return e instanceof SetError ? e.code : `non-SET error: ${String(e)}`;
  }
}

/** A purchase up to each step, so each tampering targets exactly one message. */
async function stage(world: World = makeWorld()) {
  const cardholder = issueCardholder(world);
  const wallet = new TestWallet(world, cardholder);
  const merchant = new TestMerchant(world);
  const gateway = new TestGateway(world);
  const pinitReq = wallet.pinitReq();
  const pinitReqWire = JSON.stringify(pinitReq.wire);
  const pinitResWire = await merchant.pinit(pinitReqWire);
  const pinit = await wallet.verifyPInitRes(pinitResWire, pinitReq.content);
  const preq = await wallet.preq(pinit);
  const preqWire = JSON.stringify(preq.wire);
  return {
    world,
    cardholder,
    wallet,
    merchant,
    gateway,
    pinitReq,
    pinitReqWire,
    pinitResWire,
    pinit,
    preq,
    preqWire,
  };
}

const tamperings: { name: string; expect: ErrorCode; run: () => unknown }[] = [
  {
    name: 'altered OIData',
    expect: 'signatureFailure',
    run: async () => {
      const s = await stage();
      const bad = editWire(s.preqWire, (w) => {
        const body = w.body as { oi: { oiData: string } };
        body.oi.oiData = editB64Json(body.oi.oiData, (c) => {
          c.bin = '999999';
        });
      });
      return await s.merchant.preqToAuthReq(bad);
    },
  },
  {
    name: 'altered PI ciphertext',
    expect: 'decodingFailure',
    run: async () => {
      const s = await stage();
      const bad = editWire(s.preqWire, (w) => {
        const body = w.body as { pi: string };
        body.pi = editB64Json(body.pi, (pi) => {
          const sealed = pi.sealed as { ct: string };
          sealed.ct = flipByte(sealed.ct, 10);
        });
      });
      // The merchant cannot see inside the PI; the gateway finds it does not open.
      return await s.gateway.authorize((await s.merchant.preqToAuthReq(bad)).authReq);
    },
  },
  {
    name: 'PI swapped from another order of the same cardholder',
    expect: 'signatureFailure',
    run: async () => {
      const a = await stage();
      const b = await a.wallet.preq(
        await a.wallet.verifyPInitRes(await a.merchant.pinit(a.pinitReqWire), a.pinitReq.content),
      );
      const bad = editWire(a.preqWire, (w) => {
        (w.body as { pi: string }).pi = (b.wire.body as { pi: string }).pi;
      });
      return await a.merchant.preqToAuthReq(bad);
    },
  },
  {
    name: 'PI from another order forwarded by the merchant',
    expect: 'decodingFailure',
    run: async () => {
      const a = await stage();
      const b = await a.wallet.preq(
        await a.wallet.verifyPInitRes(await a.merchant.pinit(a.pinitReqWire), a.pinitReq.content),
      );
      const { verified } = await a.merchant.preqToAuthReq(a.preqWire);
      const order = [...a.merchant.pending.values()][0]!;
      const auth = await protocol.buildAuthReq({
        merchant: a.world.merchant,
        gatewayKeyExchange: a.world.gatewayKx.certificate,
        oiData: verified.oiData,
        hOIData: verified.hOIData,
        piBytes: fromB64u((b.wire.body as { pi: string }).pi),
        cardholderCerts: verified.certs,
        authReqAmt: order.purchAmt,
        rrpid: b64u(new Uint8Array(32).fill(3)),
      });
      return await a.gateway.authorize(JSON.stringify(auth.wire));
    },
  },
  {
    name: 'changed amount in PInitRes',
    expect: 'signatureFailure',
    run: async () => {
      const s = await stage();
      const bad = editWire(s.pinitResWire, (w) => {
        const body = w.body as { content: string };
        body.content = editB64Json(body.content, (c) => {
          (c.purchAmt as { value: number }).value = 1;
        });
      });
      return await s.wallet.verifyPInitRes(bad, s.pinitReq.content);
    },
  },
  {
    name: 'merchant asks for more than the cardholder signed',
    expect: 'signatureFailure',
    run: async () => {
      const s = await stage();
      const order = [...s.merchant.pending.values()][0]!;
      order.purchAmt = { ...order.purchAmt, value: order.purchAmt.value + 1 };
      return await s.gateway.authorize((await s.merchant.preqToAuthReq(s.preqWire)).authReq);
    },
  },
  {
    name: 'wrong Chall-M',
    expect: 'challengeMismatch',
    run: async () => {
      const s = await stage();
      const order = [...s.merchant.pending.values()][0]!;
      order.challM = b64u(new Uint8Array(32));
      return await s.merchant.preqToAuthReq(s.preqWire);
    },
  },
  {
    name: 'replayed XID',
    expect: 'unknownXID',
    run: async () => {
      const s = await stage();
      const first = await s.merchant.preqToAuthReq(s.preqWire);
      await s.gateway.authorize(first.authReq);
      // The same PReq forwarded again makes a new AuthReq (new RRPID) for an XID already authorized.
      return await s.gateway.authorize((await s.merchant.preqToAuthReq(s.preqWire)).authReq);
    },
  },
  {
    name: 'stale date',
    expect: 'messageTooOld',
    run: async () => {
      const s = await stage();
      const old = new Date(Date.now() - 3600_000);
      const stale = editWire(s.pinitReqWire, (w) => {
        const body = w.body as { content: string };
        body.content = editB64Json(body.content, (c) => {
          c.date = old.toISOString();
        });
        (w.hdr as { date: string }).date = old.toISOString();
      });
      return await s.merchant.pinit(stale);
    },
  },
  {
    name: 'date in the future',
    expect: 'messageTooNew',
    run: async () => {
      const s = await stage();
      const future = new Date(Date.now() + 3600_000).toISOString();
      const bad = editWire(s.pinitReqWire, (w) => {
        const body = w.body as { content: string };
        body.content = editB64Json(body.content, (c) => {
          c.date = future;
        });
        (w.hdr as { date: string }).date = future;
      });
      return await s.merchant.pinit(bad);
    },
  },
  {
    name: 'high-S signature',
    expect: 'signatureFailure',
    run: async () => {
      const s = await stage();
      const bad = editWire(s.pinitResWire, (w) => {
        const body = w.body as { sig: string };
        const sig = fromB64u(body.sig);
        const sValue = BigInt(`0x${Buffer.from(sig.slice(32)).toString('hex')}`);
        const high = (P256_ORDER - sValue).toString(16).padStart(64, '0');
        sig.set(Buffer.from(high, 'hex'), 32);
        body.sig = b64u(sig);
      });
      return await s.wallet.verifyPInitRes(bad, s.pinitReq.content);
    },
  },
  {
    name: 'cardholder certificate from an untrusted root',
    expect: 'invalidCertificate',
    run: async () => {
      const world = makeWorld();
      const rogue = makeWorld();
      const cardholder = issueCardholder(rogue);
      const s = await stage(world);
      const wallet = new TestWallet(world, cardholder);
      // The attacker carries its own root along; it is still not one the merchant trusts.
      const bad = editWire(JSON.stringify((await wallet.preq(s.pinit)).wire), (w) => {
        (w.certs as string[]).push(b64u(rogue.root.der));
      });
      return await s.merchant.preqToAuthReq(bad);
    },
  },
  {
    name: 'expired cardholder certificate',
    expect: 'expiredCertificate',
    run: async () => {
      const s = await stage();
      s.world.clock.now = new Date(Date.now() + 400 * 86400_000);
      return await s.merchant.preqToAuthReq(s.preqWire);
    },
  },
  {
    name: 'revoked cardholder certificate',
    expect: 'revokedCertificate',
    run: async () => {
      const s = await stage();
      const now = s.world.clock.now;
      const crl = issueCrl({
        issuer: s.world.issuer('cca'),
        crlNumber: 1,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + 86400_000),
        revoked: [{ serialNumber: s.cardholder.certificate.serialNumber, revocationDate: now }],
      });
      s.merchant.trust.setCrls([crl]);
      return await s.merchant.preqToAuthReq(s.preqWire);
    },
  },
  {
    name: 'cardholder certificate used where a merchant one is required',
    expect: 'invalidCertificate',
    run: async () => {
      const s = await stage();
      const { wire } = await buildPInitRes({
        req: s.pinitReq.content,
        merchant: s.cardholder,
        gatewayKeyExchange: s.world.gatewayKx.chain,
        od: 'x',
        purchAmt: { currency: 'EUR', value: 1, exponent: 2 },
      });
      return await s.wallet.verifyPInitRes(JSON.stringify(wire), s.pinitReq.content);
    },
  },
  {
    name: 'PI sealed to a different gateway key',
    expect: 'thumbsMismatch',
    run: async () => {
      const s = await stage();
      const other = issueEndEntity(s.world.issuer('pca'), {
        certificateType: 'gateway',
        keyRole: 'key-exchange',
        publicKey: generateKeyPair().publicKey,
        subject: { commonName: 'Another gateway' },
        notBefore: new Date(Date.now() - 3600_000),
        notAfter: new Date(Date.now() + 86400_000),
      });
      const pinit = {
        ...s.pinit,
        gateway: {
          ...s.pinit.gateway,
          chain: [other, ...s.pinit.gateway.chain.slice(1)] satisfies protocol.CertificateChain,
        },
      };
      return await s.gateway.authorize(
        (await s.merchant.preqToAuthReq(JSON.stringify((await s.wallet.preq(pinit)).wire))).authReq,
      );
    },
  },
  {
    name: 'unique cardholder ID does not match the PAN',
    expect: 'invalidCertificate',
    run: async () => {
      const s = await stage();
      const wallet = new TestWallet(s.world, s.cardholder, { ...s.cardholder.card, pan: '4242424242424242' });
      return await s.gateway.authorize(
        (await s.merchant.preqToAuthReq(JSON.stringify((await wallet.preq(s.pinit)).wire))).authReq,
      );
    },
  },
  {
    name: 'truncated message',
    expect: 'decodingFailure',
    run: async () => {
      const s = await stage();
      return await s.merchant.preqToAuthReq(s.preqWire.slice(0, s.preqWire.length - 40));
    },
  },
  {
    name: 'oversized message',
    expect: 'messageTooBig',
    run: async () => {
      const s = await stage();
      const bad = editWire(s.pinitReqWire, (w) => {
        w.certs = Array.from({ length: 15 }, () => 'A'.repeat(5000));
      });
      return await s.merchant.pinit(bad);
    },
  },
  {
    name: 'message over the absolute wire limit',
    expect: 'messageTooBig',
    run: () => decodeWire(`{"set":"SET/2","pad":"${'x'.repeat(300 * 1024)}"}`),
  },
  {
    name: 'SET 1.0 version',
    expect: 'versionTooOld',
    run: async () => {
      const s = await stage();
      return await s.merchant.pinit(editWire(s.pinitReqWire, (w) => (w.set = 'SET/1')));
    },
  },
  {
    name: 'a future version',
    expect: 'versionTooNew',
    run: async () => {
      const s = await stage();
      return await s.merchant.pinit(editWire(s.pinitReqWire, (w) => (w.set = 'SET/3')));
    },
  },
  {
    name: 'unknown message type',
    expect: 'messageNotSupported',
    run: async () => {
      const s = await stage();
      return await s.merchant.pinit(editWire(s.pinitReqWire, (w) => (w.type = 'PayNow')));
    },
  },
  {
    name: 'PInitRes that does not echo Chall-C',
    expect: 'challengeMismatch',
    run: async () => {
      const s = await stage();
      return await s.wallet.verifyPInitRes(s.pinitResWire, {
        ...s.pinitReq.content,
        challC: b64u(new Uint8Array(32)),
      });
    },
  },
  {
    name: 'PInitRes answering another request',
    expect: 'unknownRRPID',
    run: async () => {
      const s = await stage();
      return await s.wallet.verifyPInitRes(s.pinitResWire, {
        ...s.pinitReq.content,
        rrpid: b64u(new Uint8Array(32)),
      });
    },
  },
  {
    name: 'clear header disagreeing with the signed content',
    expect: 'badMessageHeader',
    run: async () => {
      const s = await stage();
      const bad = editWire(s.pinitResWire, (w) => {
        (w.hdr as { xid: string }).xid = b64u(new Uint8Array(32));
      });
      return await s.wallet.verifyPInitRes(bad, s.pinitReq.content);
    },
  },
  {
    name: 'PReq for an XID the merchant never issued',
    expect: 'unknownXID',
    run: async () => {
      const s = await stage();
      s.merchant.pending.clear();
      return await s.merchant.preqToAuthReq(s.preqWire);
    },
  },
  {
    name: 'unsigned PReq where a dual signature is required',
    expect: 'signatureRequired',
    run: async () => {
      const s = await stage();
      const anonymous = new TestWallet(s.world, undefined, s.cardholder.card);
      return await s.merchant.preqToAuthReq(JSON.stringify((await anonymous.preq(s.pinit)).wire));
    },
  },
  {
    name: 'unsigned PI at a gateway whose certificate requires a cardholder certificate',
    expect: 'signatureRequired',
    run: async () => {
      const s = await stage();
      const anonymous = new TestWallet(s.world, undefined, s.cardholder.card);
      const { authReq } = await s.merchant.preqToAuthReq(
        JSON.stringify((await anonymous.preq(s.pinit)).wire),
        {
          acceptUnsigned: true,
        },
      );
      return await s.gateway.authorize(authReq);
    },
  },
  {
    name: 'merchant certificate left out',
    expect: 'missingCertificate',
    run: async () => {
      const s = await stage();
      const fresh = new TestWallet(s.world, s.cardholder);
      return await fresh.verifyPInitRes(
        editWire(s.pinitResWire, (w) => delete w.certs),
        s.pinitReq.content,
      );
    },
  },
  {
    name: 'HOD in CheckDigests altered by the merchant',
    expect: 'signatureFailure',
    run: async () => {
      const s = await stage();
      const order = [...s.merchant.pending.values()][0]!;
      const { verified } = await s.merchant.preqToAuthReq(s.preqWire);
      s.merchant.pending.set(verified.oiData.transIds.xid, order);
      verified.oiData.hod = b64u(new Uint8Array(32));
      const auth = await protocol.buildAuthReq({
        merchant: s.world.merchant,
        gatewayKeyExchange: s.world.gatewayKx.certificate,
        oiData: verified.oiData,
        hOIData: verified.hOIData,
        piBytes: verified.piBytes,
        cardholderCerts: verified.certs,
        authReqAmt: order.purchAmt,
        rrpid: b64u(new Uint8Array(32).fill(7)),
      });
      return await s.gateway.authorize(JSON.stringify(auth.wire));
    },
  },
  {
    name: 'AuthRes sealed to another merchant key',
    expect: 'thumbsMismatch',
    run: async () => {
      const s = await stage();
      const { authReq, authReqContent } = await s.merchant.preqToAuthReq(s.preqWire);
      const authRes = await s.gateway.authorize(authReq);
      const otherKx = buildSandboxHierarchy({
        merchantOrigin: 'https://other.example',
        now: new Date(),
      }).entries.find((e) => e.name === 'merchant-kx')!;
      return await verifyAuthRes(authRes, authReqContent, otherKx, {
        trust: s.merchant.trust,
        clock: s.world.clock,
      });
    },
  },
  {
    name: 'unknown field in a signed structure',
    expect: 'decodingFailure',
    run: async () => {
      const s = await stage();
      return await verifyPInitRes(
        editWire(s.pinitResWire, (w) => ((w.body as Json).extra = 1)),
        s.pinitReq.content,
        { trust: s.wallet.trust, clock: s.world.clock },
      );
    },
  },
];

describe('tamper table', () => {
  it('has at least 25 tamperings', () => expect(tamperings.length).toBeGreaterThanOrEqual(25));
  it('the untampered purchase is approved', async () => {
    const world = makeWorld();
    expect(
      (await purchase(world, new TestWallet(world, issueCardholder(world)))).receipt.content.result.status,
    ).toBe('approved');
  });
  for (const t of tamperings) {
    it(`${t.name} → ${t.expect}`, async () => expect(await codeOf(t.run)).toBe(t.expect));
  }
});

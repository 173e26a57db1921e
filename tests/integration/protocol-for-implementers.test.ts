// docs/protocol.md §9 "For implementers": each statement, checked on the wire bytes of a real run
// (tests/support/real-run.ts: the sandbox's CAs, gateway and demo store over HTTP, a
// protocol-level wallet), sealed messages opened with the receivers' keys from the run's sandbox
// folder, and the real parties asked over HTTP where a statement is about what they refuse.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyExchangeKeys, openFor } from '../../scripts/protocol-doc.ts';
import { sandboxClient } from '../../src/demo/sandbox-client.ts';
import {
  b64u,
  buildInqReq,
  buildPInitReq,
  encodeWire,
  fromB64u,
  type ParsedCertificate,
  parseCertificate,
  randomNonce,
  sha256,
} from '../../src/protocol/index.ts';
import { budget } from '../support/deadlines.ts';
import { type RealRun, realRun } from '../support/real-run.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'set-implementers-'));
let run: RealRun;

interface Message {
  n: number;
  type: string;
  wire: {
    hdr: Record<string, string>;
    body: Record<string, unknown>;
    certs?: string[];
  };
  /** The content as its author serialised it: plain or signed, or the signed content inside a sealed body. */
  contentText?: string;
  /** The plaintext of a sealed body (SignedData JSON, RegFormReqData, the PIData). */
  plaintext?: string;
}
const messages: Message[] = [];

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const certsOf = (m: Message): ParsedCertificate[] =>
  (m.wire.certs ?? []).map((c) => parseCertificate(fromB64u(c)));
const content = (m: Message) => JSON.parse(m.contentText!) as Record<string, unknown>;
const first = (type: string) => messages.find((m) => m.type === type)!;
const all = (type: string) => messages.filter((m) => m.type === type);

beforeAll(async () => {
  run = await realRun({ dataDir });
  const keys = keyExchangeKeys(dataDir);
  let certReq: Awaited<ReturnType<typeof openFor>>;
  for (const e of run.transcript.entries) {
    if (e.repeatOf !== undefined) continue;
    const wire = JSON.parse(e.body) as Message['wire'];
    const m: Message = { n: e.n, type: e.type, wire };
    const opened = await openFor(e.type, e.body, keys, certReq).catch(() => undefined);
    if (e.type === 'CertReq') certReq = opened;
    if (opened) m.plaintext = text(opened.bytes);
    const signed = (m.plaintext && e.type !== 'PReq' ? JSON.parse(m.plaintext) : wire.body) as {
      content?: unknown;
    };
    if (typeof signed.content === 'string') m.contentText = text(fromB64u(signed.content));
    else if (e.type === 'RegFormReq' && m.plaintext) m.contentText = m.plaintext;
    else if (e.type === 'PReq')
      m.contentText = text(fromB64u(String((wire.body.oi as { oiData: string }).oiData)));
    messages.push(m);
  }
  for (const n of run.notifications) {
    const wire = JSON.parse(n.body) as Message['wire'];
    messages.push({ n: 0, type: n.type, wire, contentText: text(fromB64u(String(wire.body.content))) });
  }
}, budget(600_000));
afterAll(async () => {
  await run?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function post(url: string, body: string | Uint8Array<ArrayBuffer>) {
  const res = await fetch(url, { method: 'POST', body });
  const answer = await res.text();
  let errorCode: string | undefined;
  try {
    const wire = JSON.parse(answer) as { type: string; body: { content: string } };
    if (wire.type === 'Error')
      errorCode = (JSON.parse(text(fromB64u(wire.body.content))) as { errorCode: string }).errorCode;
  } catch {}
  return { status: res.status, type: res.headers.get('content-type'), errorCode, answer };
}

describe('docs/protocol.md §9, on the wire of a real run', () => {
  it('I1 every date is UTC with milliseconds, the same in the header and the content (sealed ones opened)', () => {
    let checked = 0;
    for (const m of messages) {
      expect(m.wire.hdr.date, m.type).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      if (!m.contentText || m.type === 'PReq') continue;
      expect(content(m).date, `${m.type} #${m.n}`).toBe(m.wire.hdr.date);
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
    // OIData: its date is the PReq's header date too.
    expect(content(first('PReq')).date).toBe(first('PReq').wire.hdr.date);
  });

  it('I1 a message dated more than 5 minutes ahead is messageTooNew (HTTP 400), one 10 minutes old messageTooOld', async () => {
    const store = `${run.sandbox.urls.store}/set`;
    const at = (ms: number) =>
      encodeWire(
        buildPInitReq({
          lidC: 'w',
          lidM: 'x',
          brandId: 'SETPay',
          bin: '411111',
          now: new Date(Date.now() + ms),
        }).wire,
      );
    expect(await post(store, at(6 * 60_000))).toMatchObject({ status: 400, errorCode: 'messageTooNew' });
    expect(await post(store, at(-11 * 60_000))).toMatchObject({ status: 400, errorCode: 'messageTooOld' });
    // Within the window, the merchant reads it (and answers that it has no such order).
    expect(await post(store, at(4 * 60_000))).toMatchObject({ status: 404, errorCode: 'unknownXID' });
  });

  it('I2 pReqDate is the date of the PInitRes, and every later TransIDs repeats it', () => {
    const pinitRes = content(first('PInitRes'));
    const transIds = pinitRes.transIds as { pReqDate: string; xid: string };
    expect(transIds.pReqDate).toBe(pinitRes.date);
    const later = messages.filter((m) => {
      const c = m.contentText ? (JSON.parse(m.contentText) as { transIds?: { xid: string } }) : undefined;
      return c?.transIds?.xid === transIds.xid;
    });
    expect(new Set(later.map((m) => m.type))).toEqual(
      new Set([
        'PInitRes',
        'PReq',
        'AuthReq',
        'AuthRes',
        'PRes',
        'InqReq',
        'InqRes',
        'CapReq',
        'CapRes',
        'CredReq',
        'CredRes',
        'CredRevReq',
        'CredRevRes',
        'CapRevReq',
        'CapRevRes',
      ]),
    );
    for (const m of later)
      expect((content(m).transIds as { pReqDate: string }).pReqDate, m.type).toBe(transIds.pReqDate);
    // Inside the PI too (PIHead), as the gateway reads it.
    const piData = JSON.parse(first('PReq').plaintext!) as { piHead: { transIds: { pReqDate: string } } };
    expect(piData.piHead.transIds.pReqDate).toBe(transIds.pReqDate);
  });

  it('I3 AuthRes and every follow-up response are sealed to the merchant key-exchange certificate the AuthReq carried', () => {
    for (const authReq of all('AuthReq')) {
      const signer = (JSON.parse(authReq.plaintext!) as { signer: string }).signer;
      const carried = certsOf(authReq);
      const sig = carried.find((c) => b64u(c.thumbprint) === signer)!;
      const kx = carried.filter((c) => c.certificateType === 'merchant' && c.keyRole === 'key-exchange');
      expect(kx).toHaveLength(1);
      expect(kx[0]!.issuerDn).toBe(sig.issuerDn);
      expect(kx[0]!.subjectDn).toBe(sig.subjectDn);
      const xid = authReq.wire.hdr.xid;
      const answers = messages.filter(
        (m) => m.wire.hdr.xid === xid && /^(Auth|Cap|CapRev|AuthRev|Cred|CredRev)Res$/.test(m.type),
      );
      expect(answers.length).toBeGreaterThan(0);
      for (const res of answers)
        expect((res.wire.body.sealed as { to: string }).to, res.type).toBe(b64u(kx[0]!.thumbprint));
    }
  });

  it('I3 AuthReq, the follow-ups and the PI are sealed to the gateway key-exchange certificate PInitRes names (pgThumb = PCertRes kxThumb)', () => {
    const pgThumb = content(first('PInitRes')).pgThumb;
    expect(content(first('PCertRes')).kxThumb).toBe(pgThumb);
    const pi = JSON.parse(text(fromB64u(String(first('PReq').wire.body.pi)))) as { sealed: { to: string } };
    expect(pi.sealed.to).toBe(pgThumb);
    for (const m of messages.filter((x) => /^(Auth|Cap|CapRev|AuthRev|Cred|CredRev)Req$/.test(x.type)))
      expect((m.wire.body.sealed as { to: string }).to, m.type).toBe(pgThumb);
  });

  it('I4 every signed request carries its signer chain up to, not including, the root; no message carries a root', () => {
    const root = b64u(run.sandbox.root.thumbprint);
    for (const m of messages) for (const c of certsOf(m)) expect(b64u(c.thumbprint), m.type).not.toBe(root);
    const requests = [
      'PReq',
      'InqReq',
      'AuthReq',
      'CapReq',
      'CredReq',
      'CredRevReq',
      'CapRevReq',
      'AuthRevReq',
      'PCertReq',
      'TransListReq',
      'NotifyRegReq',
    ];
    for (const type of requests) {
      const m = first(type);
      const carried = certsOf(m);
      const byThumb = new Map(carried.map((c) => [b64u(c.thumbprint), c]));
      // The signer, then each issuer up to the brand CA, all carried.
      const leaf = carried[0]!;
      let at: ParsedCertificate | undefined = leaf;
      const chain: string[] = [];
      while (at && at.certificateType !== 'brand-ca') {
        chain.push(at.certificateType);
        at = [...byThumb.values()].find((c) => c.subjectDn === at!.issuerDn && c.isCA);
      }
      expect(at?.certificateType, `${type}: ${chain.join(' › ')}`).toBe('brand-ca');
    }
    // Responses: the signer's chain, and the key-exchange certificates the requester needs next.
    const kinds = (type: string) => certsOf(first(type)).map((c) => `${c.certificateType}/${c.keyRole}`);
    expect(kinds('PInitRes')).toEqual(expect.arrayContaining(['merchant/signature', 'gateway/key-exchange']));
    expect(kinds('PCertRes')).toEqual(expect.arrayContaining(['gateway/signature', 'gateway/key-exchange']));
    expect(kinds('CardCInitRes')).toEqual(
      expect.arrayContaining(['cardholder-ca/signature', 'cardholder-ca/key-exchange']),
    );
    expect(kinds('Me-AqCInitRes')).toEqual(expect.arrayContaining(['brand-ca/signature']));
    expect(kinds('Me-AqCInitRes').some((k) => k.endsWith('-ca/key-exchange'))).toBe(true);
    // AuthReq also forwards the cardholder's chain from the PReq and adds the merchant key-exchange certificate.
    expect(certsOf(first('AuthReq')).map((c) => `${c.certificateType}/${c.keyRole}`)).toEqual(
      expect.arrayContaining(['cardholder/signature', 'cardholder-ca/signature', 'merchant/key-exchange']),
    );
  });

  it('I4 a response leaves out the certificates the request listed in thumbs', async () => {
    const client = sandboxClient(run.sandbox.urls, run.sandbox.operatorLinks.backOffice);
    const order = await client.newOrder('mug', 1);
    const held = certsOf(first('PInitRes')).map((c) => b64u(c.thumbprint));
    const req = buildPInitReq({
      lidC: 'w',
      lidM: order.slice(order.lastIndexOf('/') + 1),
      brandId: 'SETPay',
      bin: '411111',
      thumbs: held,
    });
    const res = await post(`${run.sandbox.urls.store}/set`, encodeWire(req.wire));
    expect(res.status).toBe(200);
    expect((JSON.parse(res.answer) as { certs?: string[] }).certs ?? []).toEqual([]);
  });

  it('I5 base64url: no padding, only A–Z a–z 0–9 - _, and a padded value is decodingFailure', async () => {
    const b64 = (v: unknown, where: string) => {
      expect(v, where).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(String(v).length % 4, where).not.toBe(1);
    };
    for (const m of messages) {
      for (const c of m.wire.certs ?? []) b64(c, `${m.type}.certs`);
      const body = m.wire.body as {
        content?: string;
        sig?: string;
        signer?: string;
        sealed?: Record<string, string>;
      };
      for (const k of ['content', 'sig', 'signer'] as const)
        if (body[k] !== undefined) b64(body[k], `${m.type}.${k}`);
      for (const [k, v] of Object.entries(body.sealed ?? {})) b64(v, `${m.type}.sealed.${k}`);
      b64(m.wire.hdr.rrpid, `${m.type}.rrpid`);
    }
    const pinitReq = JSON.parse(
      encodeWire(buildPInitReq({ lidC: 'w', lidM: 'x', brandId: 'SETPay', bin: '411111' }).wire),
    ) as {
      body: { content: string };
    };
    pinitReq.body.content += '='.repeat((4 - (pinitReq.body.content.length % 4)) % 4 || 4);
    expect(await post(`${run.sandbox.urls.store}/set`, JSON.stringify(pinitReq))).toMatchObject({
      status: 400,
      errorCode: 'decodingFailure',
    });
  });

  it('I6 content is compact JSON as JSON.stringify writes it, UTF-8, numbers only safe integers; an unknown field is decodingFailure', async () => {
    const numbers = (v: unknown, where: string): void => {
      if (typeof v === 'number') expect(Number.isSafeInteger(v), where).toBe(true);
      else if (Array.isArray(v)) for (const x of v) numbers(x, where);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) numbers(x, `${where}.${k}`);
    };
    let checked = 0;
    for (const m of messages) {
      if (!m.contentText) continue;
      expect(JSON.stringify(JSON.parse(m.contentText)), m.type).toBe(m.contentText);
      expect(m.contentText.charCodeAt(0), m.type).toBe(0x7b); // "{": no BOM, no whitespace
      numbers(JSON.parse(m.contentText), m.type);
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
    const wire = JSON.parse(
      encodeWire(buildPInitReq({ lidC: 'w', lidM: 'x', brandId: 'SETPay', bin: '411111' }).wire),
    ) as Record<string, unknown>;
    expect(await post(`${run.sandbox.urls.store}/set`, JSON.stringify({ ...wire, extra: 1 }))).toMatchObject({
      status: 400,
      errorCode: 'decodingFailure',
    });
  });

  it('I7 HTTP: 200 with application/json for an answer; 413, 415, 404, 400 with a signed SET Error otherwise', async () => {
    const store = `${run.sandbox.urls.store}/set`;
    const client = sandboxClient(run.sandbox.urls, run.sandbox.operatorLinks.backOffice);
    const order = await client.newOrder('mug', 1);
    const ok = await post(
      store,
      encodeWire(
        buildPInitReq({
          lidC: 'w',
          lidM: order.slice(order.lastIndexOf('/') + 1),
          brandId: 'SETPay',
          bin: '411111',
        }).wire,
      ),
    );
    expect(ok).toMatchObject({ status: 200, type: 'application/json; charset=utf-8' });
    expect(await post(store, new Uint8Array(300 * 1024).fill(0x20))).toMatchObject({
      status: 413,
      errorCode: 'messageTooBig',
    });
    expect(await post(store, JSON.stringify(first('CapReq').wire))).toMatchObject({
      status: 415,
      errorCode: 'messageNotSupported',
    });
    const pres = content(messages.filter((m) => m.type === 'PRes')[0]!) as {
      transIds: Parameters<typeof buildInqReq>[0]['transIds'];
    };
    const unknown = await buildInqReq({ transIds: { ...pres.transIds, xid: b64u(randomNonce()) } });
    const notFound = await post(store, encodeWire(unknown.wire));
    expect(notFound).toMatchObject({
      status: 404,
      errorCode: 'unknownXID',
      type: 'application/json; charset=utf-8',
    });
    expect(await post(store, '{not json')).toMatchObject({ status: 400, errorCode: 'decodingFailure' });
    // The Error is signed by the merchant and names the message it answers.
    const error = JSON.parse(notFound.answer) as { body: { signer: string; content: string } };
    expect(error.body.signer).toBe(b64u(certsOf(first('PRes'))[0]!.thumbprint));
    expect(
      (JSON.parse(text(fromB64u(error.body.content))) as { offending: { type: string } }).offending.type,
    ).toBe('InqReq');
  });

  it('I8 signer is SHA-256 of the signing certificate, the first certificate carried', () => {
    let checked = 0;
    for (const m of messages) {
      const signed = (
        m.plaintext && m.type !== 'PReq' && m.type !== 'RegFormReq' ? JSON.parse(m.plaintext) : m.wire.body
      ) as { signer?: string };
      if (!signed.signer || !m.wire.certs?.length) continue;
      expect(signed.signer, m.type).toBe(b64u(sha256(fromB64u(m.wire.certs[0]!))));
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('I9 the clear header repeats the content: rrpid, and the TransIDs or registration labels', () => {
    for (const m of messages) {
      if (!m.contentText) continue;
      const c = content(m) as {
        rrpid?: string;
        transIds?: Record<string, string>;
        lidEE?: string;
        lidCA?: string;
        xid?: string;
      };
      expect(m.wire.hdr.rrpid, m.type).toBe(c.rrpid);
      for (const k of ['lidC', 'lidM', 'xid'] as const)
        if (c.transIds && m.wire.hdr[k] !== undefined)
          expect(m.wire.hdr[k], `${m.type}.${k}`).toBe(c.transIds[k]);
      for (const k of ['lidEE', 'lidCA'] as const)
        if (c[k] !== undefined) expect(m.wire.hdr[k], `${m.type}.${k}`).toBe(c[k]);
    }
  });
});

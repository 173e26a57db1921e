/**
 * Regenerates the examples in docs/protocol.md (npm run docs:protocol). Every block between
 * `<!-- example: NAME -->` and `<!-- /example -->` is replaced; the prose around them is kept.
 *
 * The examples are the messages of one run of the real parties (tests/support/real-run.ts: the
 * sandbox's CAs, gateway and demo store on the merchant SDK, over HTTP, with a protocol-level
 * wallet), as they went over the wire. A sealed message is shown opened with its receiver's key
 * from that run's sandbox folder, as the exact plaintext bytes, so that a reader (and
 * tests/unit/protocol-doc.test.ts) can check the signature inside against the certificates the
 * examples carry. A message type the sandbox does not send is made by src/protocol alone with
 * test keys (tests/support/world.ts), and its block says so.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  aeadOpenNative,
  b64u,
  buildBatchAdminReq,
  buildBatchAdminRes,
  buildBrandCrlIdentifier,
  buildCertReq,
  buildCertRes,
  buildErrorFor,
  buildFollowUp,
  buildFollowUpResponse,
  buildInqReq,
  buildInqRes,
  buildMeAqCInitReq,
  buildMeAqCInitRes,
  buildNotification,
  buildNotifyRegReq,
  buildNotifyRegRes,
  buildPCertReq,
  buildPCertRes,
  buildTransListReq,
  buildTransListRes,
  certificateToPem,
  encodeWire,
  type FollowUpRequest,
  fromB64u,
  generateKeyPair,
  issueCrl,
  issueFromCertReq,
  MESSAGE_TYPES,
  openCertReq,
  openSealed,
  parseMeAqCInitReq,
  paymentInitiationHtml,
  type Recipient,
  registrationInitiationHtml,
  SetError,
  sha256,
  utf8,
  verifyAuthReq,
  verifyBatchAdminReq,
  verifyBatchAdminRes,
  verifyCertRes,
  verifyFollowUp,
  verifyInqReq,
  verifyMeAqCInitRes,
  verifyNotification,
  verifyNotifyRegReq,
  verifyNotifyRegRes,
  verifyPCertReq,
  verifyPCertRes,
  verifyTransListReq,
  verifyTransListRes,
} from '../src/protocol/index.ts';
import { readEntry } from '../src/sandbox/pki-files.ts';
import { realRun } from '../tests/support/real-run.ts';
import {
  makeWorld,
  purchase,
  registerCardholder,
  TEST_REG_FORM,
  TestWallet,
} from '../tests/support/world.ts';

const DOC = new URL('../docs/protocol.md', import.meta.url);

/** A sealed message opened with its receiver's key: the plaintext bytes, and whose key opened it. */
export interface Opened {
  bytes: Uint8Array;
  key: string;
}

export type Example = {
  wire: string;
  /** Who sent it to whom in the real run; absent when src/protocol alone made it. */
  passed?: { from: string; to: string };
  opened?: Opened;
  /** What the receiver read (examples made by src/protocol alone). */
  read?: unknown;
};

/**
 * The message types the sandbox's parties exchange in tests/support/real-run.ts: every one
 * (protocol-doc.test.ts checks that each example came from that run).
 */
export const REAL_RUN_TYPES = MESSAGE_TYPES;

/**
 * The examples: one run of the real parties, then src/protocol alone for any message type that
 * run does not send.
 */
export async function generateExamples(): Promise<{
  examples: Map<string, Example>;
  extra: Map<string, string>;
}> {
  const real = await realExamples();
  const made = await protocolExamples();
  for (const [type, example] of made.examples) if (!real.examples.has(type)) real.examples.set(type, example);
  for (const [name, text] of made.extra) if (!real.extra.has(name)) real.extra.set(name, text);
  for (const t of MESSAGE_TYPES)
    if (!real.examples.has(t)) throw new Error(`no example of ${t} was produced`);
  return real;
}

/** The first message of each type in a run of the real parties (the cardholder's CertReq and CertRes). */
async function realExamples(): Promise<{ examples: Map<string, Example>; extra: Map<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'set-protocol-doc-'));
  const dataDir = join(dir, 'sandbox');
  const run = await realRun({ dataDir });
  try {
    const passed = [
      ...run.transcript.entries.filter((e) => e.repeatOf === undefined),
      ...run.notifications.map((n) => ({
        type: n.type,
        body: n.body,
        from: (n.direction === 'request') === (n.party === 'gateway') ? 'store' : 'gateway',
        to: (n.direction === 'request') === (n.party === 'gateway') ? 'gateway' : 'store',
      })),
    ];
    const recipients = keyExchangeKeys(dataDir);
    const examples = new Map<string, Example>();
    let certReqOpened: Opened | undefined;
    for (const m of passed) {
      const cardholders = m.from === 'wallet' || m.to === 'wallet';
      if ((m.type === 'CertReq' || m.type === 'CertRes') && !cardholders) continue;
      const opened = await openFor(m.type, m.body, recipients, certReqOpened);
      if (m.type === 'CertReq') certReqOpened = opened;
      if (examples.has(m.type)) continue;
      examples.set(m.type, {
        wire: m.body,
        passed: { from: m.from, to: m.to },
        ...(opened ? { opened } : {}),
      });
    }
    const pinitRes = JSON.parse(examples.get('PInitRes')!.wire) as { bci?: object };
    if (!pinitRes.bci) throw new Error('the PInitRes of the run carries no BrandCRLIdentifier');
    const bci = pinitRes.bci as { content: string };
    const extra = new Map<string, string>([
      ['root', fence('pem', readFileSync(join(dataDir, 'pki', 'root.pem'), 'utf8').trim())],
      ['BrandCRLIdentifier', fence('json', JSON.stringify(bci, null, 2)) + decodedContent(bci.content)],
      ['payment-initiation', fence('html', run.initiations.payment)],
      ['registration-initiation', fence('html', run.initiations.registration)],
    ]);
    return { examples, extra };
  } finally {
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every key-exchange key of the run's sandbox folder (the CAs', the gateway's, the merchant's). */
export function keyExchangeKeys(dataDir: string): { recipient: Recipient; file: string }[] {
  const found: { recipient: Recipient; file: string }[] = [];
  for (const folder of ['pki', 'gateway', 'merchant']) {
    for (const name of readdirSync(join(dataDir, folder))) {
      if (!name.endsWith('-kx.key')) continue;
      const entry = readEntry(join(dataDir, folder), name.slice(0, -4));
      found.push({ recipient: entry, file: `${folder}/${name}` });
    }
  }
  return found;
}

/** The structure name and associated data a sealed message's envelope was made with (§2). */
function envelopeOf(
  type: string,
  wire: { body: Record<string, unknown> },
): { info: string; aad?: Uint8Array } {
  if (type === 'AuthReq') return { info: 'AuthReq', aad: sha256(fromB64u(String(wire.body.baggage))) };
  return { info: type };
}

/** The plaintext of a sealed (or, for CertRes, encrypted) message, opened with its receiver's key. */
export async function openFor(
  type: string,
  body: string,
  recipients: { recipient: Recipient; file: string }[],
  certReq: Opened | undefined,
): Promise<Opened | undefined> {
  const wire = JSON.parse(body) as { body: Record<string, unknown> };
  if (type === 'CertRes') {
    if (!certReq) return undefined;
    const signed = JSON.parse(new TextDecoder().decode(certReq.bytes)) as { content: string };
    const content = JSON.parse(new TextDecoder().decode(fromB64u(signed.content))) as { caBackKey: string };
    const b = wire.body as { iv: string; ct: string };
    const bytes = await aeadOpenNative(
      fromB64u(content.caBackKey),
      fromB64u(b.iv),
      utf8('SET/2 CertRes'),
      fromB64u(b.ct),
    );
    return { bytes, key: "the requester's CABackKey (in the CertReq's sealed content)" };
  }
  if (type === 'PReq') {
    const pi = JSON.parse(new TextDecoder().decode(fromB64u(String(wire.body.pi)))) as {
      sealed: { to: string; enc: string; ct: string };
    };
    const oi = wire.body.oi as { oiData: string };
    const holder = recipients.find((r) => b64u(r.recipient.certificate.thumbprint) === pi.sealed.to)!;
    const bytes = await openSealed(pi.sealed, holder.recipient, 'PIData', sha256(fromB64u(oi.oiData)));
    return { bytes, key: `the gateway's key (${holder.file}): the PIData` };
  }
  const sealed = wire.body.sealed as { to: string; enc: string; ct: string } | undefined;
  if (!sealed) return undefined;
  const holder = recipients.find((r) => b64u(r.recipient.certificate.thumbprint) === sealed.to);
  if (!holder) throw new Error(`no key in the run's sandbox opens ${type}`);
  const { info, aad } = envelopeOf(type, wire);
  return {
    bytes: await openSealed(sealed, holder.recipient, info, aad),
    key: `its receiver's key (${holder.file})`,
  };
}

/** Runs every SET/2 flow once with the test parties of tests/support/world.ts. */
async function protocolExamples(): Promise<{
  examples: Map<string, Example>;
  extra: Map<string, string>;
}> {
  const world = makeWorld(new Date(), 'https://shop.example');
  const examples = new Map<string, Example>();
  const record = (wire: string, opened?: unknown) => {
    const type = (JSON.parse(wire) as { type: string }).type;
    if (!examples.has(type)) examples.set(type, { wire, ...(opened === undefined ? {} : { read: opened }) });
  };
  const ctx = () => ({ trust: world.trust(), clock: world.clock });

  // Cardholder registration, then a purchase with the new certificate.
  const cardholder = await registerCardholder(world, '4111111111111111', '202912', record, { inquire: true });
  // The same card renewed: its CertReq co-signed by the current certificate (kept as an extra).
  const renewalMessages: Example[] = [];
  const renewed = await registerCardholder(
    world,
    '4111111111111111',
    '202912',
    (wire, opened) => renewalMessages.push({ wire, ...(opened === undefined ? {} : { read: opened }) }),
    { renew: cardholder },
  );
  const renewalCertReq = renewalMessages.find((m) => JSON.parse(m.wire).type === 'CertReq')!;
  const run = await purchase(world, new TestWallet(world, cardholder));
  record(JSON.stringify(run.pinitReq.wire));
  record(run.pinitResWire);
  record(run.preqWire);
  const opened = await verifyAuthReq(run.authReq, world.gatewayKx, ctx());
  record(run.authReq, { signedContent: opened.content, piDataAtTheGateway: opened.piData });
  record(run.authResWire, run.authRes);
  record(run.pres);

  // The merchant asks the gateway for its certificates.
  const pcertReq = await buildPCertReq({ merchant: world.merchant, brandId: 'SETPay' });
  record(encodeWire(pcertReq.wire), (await verifyPCertReq(encodeWire(pcertReq.wire), ctx())).content);
  const pcertRes = await buildPCertRes({
    req: pcertReq.content,
    signature: world.gateway,
    keyExchange: world.gatewayKx.chain,
  });
  record(
    encodeWire(pcertRes.wire),
    (await verifyPCertRes(encodeWire(pcertRes.wire), pcertReq.content, ctx())).content,
  );

  // The merchant lists its transactions at the gateway (the first page of captured ones in EUR).
  const listReq = await buildTransListReq({
    merchant: world.merchant,
    brandId: 'SETPay',
    filter: { state: 'captured', currency: 'EUR', from: '2026-01-01T00:00:00.000Z' },
    limit: 20,
  });
  record(encodeWire(listReq.wire), (await verifyTransListReq(encodeWire(listReq.wire), ctx())).content);
  const sale = run.authReqContent;
  const listRes = await buildTransListRes({
    req: listReq.content,
    signature: world.gateway,
    transactions: [
      {
        xid: sale.transIds.xid,
        lidM: sale.transIds.lidM,
        state: 'captured',
        result: 'approved',
        authCode: run.authRes.result.status === 'approved' ? run.authRes.result.authCode : 'A1B2C3',
        amount: sale.authReqAmt,
        authorized: sale.authReqAmt.value,
        captured: sale.authReqAmt.value,
        refunded: 0,
        captureNow: false,
        brandId: 'SETPay',
        panLast4: '1111',
        createdAt: world.clock.now.toISOString(),
        updatedAt: world.clock.now.toISOString(),
      },
    ],
    nextCursor: b64u(
      new TextEncoder().encode(
        JSON.stringify({
          v: 1,
          at: world.clock.now.toISOString(),
          xid: sale.transIds.xid,
          for: 'AAAAAAAAAAAAAAAAAAAAAA',
        }),
      ),
    ),
  });
  record(
    encodeWire(listRes.wire),
    (await verifyTransListRes(encodeWire(listRes.wire), listReq.content, ctx())).content,
  );
  // The merchant registers its notification URL; the gateway notifies it of the authorization.
  const merchantId = world.merchant.certificate.merchantData?.merchantId ?? '';
  const regReq = await buildNotifyRegReq({
    merchant: world.merchant,
    brandId: 'SETPay',
    url: 'https://shop.example/set/notifications',
  });
  record(encodeWire(regReq.wire), (await verifyNotifyRegReq(encodeWire(regReq.wire), ctx())).content);
  const regRes = await buildNotifyRegRes({ req: regReq.content, merchantId, signature: world.gateway });
  record(
    encodeWire(regRes.wire),
    (await verifyNotifyRegRes(encodeWire(regRes.wire), regReq.content, merchantId, ctx())).content,
  );
  const amount = run.authReqContent.authReqAmt;
  const notification = await buildNotification({
    event: {
      eventId: b64u(new Uint8Array(32).fill(7)),
      seq: 1,
      kind: 'authorization',
      xid: run.authReqContent.transIds.xid,
      lidM: run.authReqContent.transIds.lidM,
      source: 'merchant',
      amount,
      transaction: {
        state: 'authorized',
        currency: amount.currency,
        exponent: amount.exponent,
        requested: amount.value,
        authorized: amount.value,
        captured: 0,
        refunded: 0,
      },
      madeAt: new Date().toISOString(),
    },
    merchantId,
    brandId: 'SETPay',
    signature: world.gateway,
  });
  record(
    encodeWire(notification.wire),
    (await verifyNotification(encodeWire(notification.wire), { merchantId, brandId: 'SETPay' }, ctx()))
      .content,
  );

  // The merchant closes its batch with a summary and the first page of its items; the gateway
  // answers with the batch settled (batch-admin.ts).
  const batchReq = await buildBatchAdminReq({
    merchant: world.merchant,
    brandId: 'SETPay',
    operation: 'close',
    batchId: 17,
    summary: true,
    detail: { start: 0, max: 20 },
  });
  record(encodeWire(batchReq.wire), (await verifyBatchAdminReq(encodeWire(batchReq.wire), ctx())).content);
  const settledAt = world.clock.now.toISOString();
  const captured = run.authReqContent.authReqAmt;
  const batchRes = await buildBatchAdminRes({
    req: batchReq.content,
    signature: world.gateway,
    answer: {
      status: 'success',
      batchId: 17,
      batch: {
        batchId: 17,
        state: 'settled',
        openedBy: 'gateway',
        openedAt: new Date(world.clock.now.getTime() - 8 * 3600_000).toISOString(),
        settledAt,
        itemCount: 2,
        settlement: [
          {
            currency: captured.currency,
            exponent: captured.exponent,
            captured: captured.value,
            credited: 300,
            net: captured.value - 300,
          },
        ],
      },
      summary: [
        {
          kind: 'capture',
          currency: captured.currency,
          exponent: captured.exponent,
          count: 1,
          total: captured.value,
        },
        { kind: 'credit', currency: captured.currency, exponent: captured.exponent, count: 1, total: 300 },
      ],
      detail: {
        items: [
          {
            seq: 1,
            xid: run.authReqContent.transIds.xid,
            lidM: run.authReqContent.transIds.lidM,
            kind: 'capture',
            source: 'merchant',
            amount: captured,
            at: settledAt,
          },
          {
            seq: 2,
            xid: run.authReqContent.transIds.xid,
            lidM: run.authReqContent.transIds.lidM,
            kind: 'credit',
            source: 'merchant',
            amount: { ...captured, value: 300 },
            at: settledAt,
          },
        ],
      },
    },
  });
  record(
    encodeWire(batchRes.wire),
    (await verifyBatchAdminRes(encodeWire(batchRes.wire), batchReq.content, ctx())).content,
  );

  // Inquiry about the same XID.
  const inq = await buildInqReq({ transIds: run.authReqContent.transIds, cardholder });
  const inqAtMerchant = await verifyInqReq(encodeWire(inq.wire), ctx());
  record(encodeWire(inq.wire));
  // As the merchant answers after capturing the whole amount and refunding €2.99 of it.
  const paid = run.receipt.content.result.amount;
  const inqRes = await buildInqRes({
    req: inqAtMerchant.content,
    outcome: {
      completionCode: 'creditPerformed',
      result: run.receipt.content.result,
      results: { authorized: paid, captured: paid, credited: { ...paid, value: 299 } },
    },
    merchant: world.merchant,
  });
  record(encodeWire(inqRes.wire));
  // The renewed card asks about the purchase its former certificate paid for.
  const renewedInq = await buildInqReq({
    transIds: run.authReqContent.transIds,
    cardholder: renewed,
    paidWith: cardholder.certificate,
  });
  await verifyInqReq(encodeWire(renewedInq.wire), ctx());

  // Payment follow-ups.
  const followUps: [
    FollowUpRequest,
    'captured' | 'captureReversed' | 'authorizationReversed' | 'credited' | 'creditReversed',
  ][] = [
    ['CapReq', 'captured'],
    ['CapRevReq', 'captureReversed'],
    ['CredReq', 'credited'],
    ['CredRevReq', 'creditReversed'],
    ['AuthRevReq', 'authorizationReversed'],
  ];
  for (const [type, ok] of followUps) {
    const amount =
      type === 'AuthRevReq' ? { ...run.authRes.result.amount, value: 0 } : run.authRes.result.amount;
    const req = await buildFollowUp(type, {
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds: run.authReqContent.transIds,
      amount,
      ...(type === 'CapReq' ? { capToken: run.authRes.capToken! } : {}),
    });
    const atGateway = await verifyFollowUp(encodeWire(req.wire), type, world.gatewayKx, ctx());
    record(encodeWire(req.wire), atGateway.content);
    const res = await buildFollowUpResponse(type, {
      req: atGateway.content,
      gateway: world.gateway,
      merchantKeyExchange: world.merchantKx.certificate,
      status: ok,
      amount,
    });
    record(encodeWire(res.wire), res.content);
  }

  // Merchant registration with the MCA.
  const merchantCtx = ctx();
  const mca = world.party('mca');
  const mcaKx = world.party('mca-kx');
  const meReq = buildMeAqCInitReq({
    requestType: 'merchant',
    brandId: 'SETPay',
    thumbs: merchantCtx.trust.thumbs(),
  });
  record(encodeWire(meReq.wire));
  const meRes = await buildMeAqCInitRes({
    req: parseMeAqCInitReq(encodeWire(meReq.wire), world.clock),
    ca: mca,
    caKeyExchange: mcaKx.chain,
    regForm: TEST_REG_FORM,
  });
  record(encodeWire(meRes.wire));
  const meInit = await verifyMeAqCInitRes(encodeWire(meRes.wire), meReq.content, merchantCtx);
  const sig = generateKeyPair();
  const certReq = await buildCertReq({
    answering: meInit.content,
    caKeyExchange: meInit.caKeyExchange.chain[0]!,
    privateKey: sig.privateKey,
    request: {
      requestType: 'merchant',
      kxPublicKey: generateKeyPair().publicKey,
      merchantData: {
        merchantId: 'M-7781',
        name: 'Example Shop',
        city: 'Leeds',
        country: 'GB',
        categoryCode: '5732',
      },
      origins: ['https://shop.example'],
    },
    answers: { fullName: 'Grace Hopper', postcode: 'LS1 4AP' },
  });
  const pending = {
    lidEE: meInit.content.lidEE,
    challCA: meInit.content.challCA,
    requestType: 'merchant' as const,
  };
  const certAtCa = await openCertReq(encodeWire(certReq.wire), mcaKx, () => pending, world.clock);
  const certRes = await buildCertRes({
    req: certAtCa.content,
    ca: mca,
    result: issueFromCertReq({ req: certAtCa.content, issuer: world.issuer('mca') }),
  });
  await verifyCertRes(encodeWire(certRes.wire), certReq.content, merchantCtx);

  // An Error answering a PInitReq dated in the future.
  const future = JSON.parse(JSON.stringify(run.pinitReq.wire)) as { hdr: { date: string } };
  future.hdr.date = new Date(Date.now() + 3600_000).toISOString();
  const err = await buildErrorFor(
    JSON.stringify(future),
    new SetError('badMessageHeader', 'the PInitReq header disagrees with its content'),
    world.merchant,
  );
  if (err) record(encodeWire(err));

  // A BrandCRLIdentifier listing the CCA's CRL.
  const now = world.clock.now;
  const crl = issueCrl({
    issuer: world.issuer('cca'),
    crlNumber: 1,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + 7 * 86400_000),
    revoked: [],
  });
  const bci = await buildBrandCrlIdentifier({
    brandCa: world.party('brand-ca'),
    brandId: 'SETPay',
    sequence: 1,
    crls: [crl],
    nextUpdate: new Date(now.getTime() + 7 * 86400_000),
  });

  const extra = new Map<string, string>([
    ['root', fence('pem', certificateToPem(world.root.der).trim())],
    ['CertReq-renewal', render(renewalCertReq)],
    ['InqReq-renewed', render({ wire: encodeWire(renewedInq.wire) })],
    ['BrandCRLIdentifier', fence('json', JSON.stringify(bci, null, 2)) + decodedContent(bci.content)],
    [
      'payment-initiation',
      fence(
        'html',
        paymentInitiationHtml({
          brands: ['SETPay'],
          amount: { currency: 'EUR', value: 1299, exponent: 2 },
          lidM: 'order-42',
          endpoint: '/set',
          description: 'One SET/2 mug',
        }),
      ),
    ],
    [
      'registration-initiation',
      fence(
        'html',
        registrationInitiationHtml({
          brand: 'SETPay',
          endpoint: '/set/cca',
          issuerName: 'SETPay Sandbox Bank',
        }),
      ),
    ],
  ]);
  return { examples, extra };
}

function fence(lang: string, body: string): string {
  return `\`\`\`${lang}\n${body}\n\`\`\`\n`;
}

function decodedContent(content: string): string {
  const json = JSON.parse(new TextDecoder().decode(fromB64u(content))) as unknown;
  return `\nContent, decoded from base64url:\n\n${fence('json', JSON.stringify(json, null, 2))}`;
}

/** Says where an example comes from: the first line after its wire JSON. */
export function provenance(example: Example): string {
  return example.passed
    ? `*From a run of the sandbox's parties (tests/support/real-run.ts): ${example.passed.from} → ${example.passed.to}.*\n`
    : "*Made by src/protocol alone with test keys (tests/support/world.ts): the sandbox's parties do not send this message.*\n";
}

/** The text of an example block: everything in it follows from the wire, the provenance and the opened bytes. */
export function render(example: Example): string {
  const wire = JSON.parse(example.wire) as { body: Record<string, unknown> };
  let out = `${fence('json', JSON.stringify(wire, null, 2))}\n${provenance(example)}`;
  const body = wire.body;
  if (typeof body.content === 'string') out += decodedContent(body.content);
  if (typeof body.oi === 'object' && body.oi) {
    out += `\nOIData, decoded from \`body.oi.oiData\`:\n\n${fence('json', JSON.stringify(JSON.parse(new TextDecoder().decode(fromB64u((body.oi as { oiData: string }).oiData))), null, 2))}`;
  }
  if (typeof body.pi === 'string') {
    out += `\nPI, decoded from \`body.pi\` (the bytes the merchant forwards unchanged):\n\n${fence('json', JSON.stringify(JSON.parse(new TextDecoder().decode(fromB64u(body.pi))), null, 2))}`;
  }
  if (example.opened) {
    const text = new TextDecoder().decode(example.opened.bytes);
    out += `\n${OPENED_PREFIX}${example.opened.key}, the plaintext exactly as its author serialised it:\n\n${fence('json', text)}`;
    const inner = JSON.parse(text) as { content?: unknown };
    if (typeof inner.content === 'string') out += decodedContent(inner.content);
  }
  if (example.read !== undefined) {
    out += `\nWhat the receiver reads after opening and verifying it:\n\n${fence('json', JSON.stringify(example.read, replacer, 2))}`;
  }
  return out;
}

/** How the opened plaintext of a sealed example is introduced. */
export const OPENED_PREFIX = 'Opened with ';

function replacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? b64u(value) : value;
}

/** Replaces every example block of `doc` with freshly generated content. */
export function fillExamples(
  doc: string,
  examples: Map<string, Example>,
  extra: Map<string, string>,
): string {
  return doc.replace(/<!-- example: ([\w-]+) -->\n[\s\S]*?<!-- \/example -->/g, (_m, name: string) => {
    const body = extra.get(name) ?? (examples.has(name) ? render(examples.get(name)!) : undefined);
    if (body === undefined) throw new Error(`docs/protocol.md asks for an unknown example "${name}"`);
    return `<!-- example: ${name} -->\n${body}<!-- /example -->`;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { examples, extra } = await generateExamples();
  writeFileSync(DOC, fillExamples(readFileSync(DOC, 'utf8'), examples, extra));
  console.log(`docs/protocol.md: ${examples.size + extra.size} examples regenerated`);
}

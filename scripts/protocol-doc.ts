/**
 * Regenerates the examples in docs/protocol.md from real runs of src/protocol (npm run
 * docs:protocol). Every block between `<!-- example: NAME -->` and `<!-- /example -->` is replaced
 * by a message that the code just produced with real keys; the prose around them is kept.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  b64u,
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
  parseMeAqCInitReq,
  paymentInitiationHtml,
  registrationInitiationHtml,
  SetError,
  verifyAuthReq,
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
import {
  makeWorld,
  purchase,
  registerCardholder,
  TEST_REG_FORM,
  TestWallet,
} from '../tests/support/world.ts';

const DOC = new URL('../docs/protocol.md', import.meta.url);

type Example = { wire: string; opened?: unknown; note?: string };

/** Runs every SET/2 flow once and returns the first example of each message type. */
export async function generateExamples(): Promise<{
  examples: Map<string, Example>;
  extra: Map<string, string>;
}> {
  const world = makeWorld(new Date(), 'https://shop.example');
  const examples = new Map<string, Example>();
  const record = (wire: string, opened?: unknown) => {
    const type = (JSON.parse(wire) as { type: string }).type;
    if (!examples.has(type)) examples.set(type, { wire, ...(opened === undefined ? {} : { opened }) });
  };
  const ctx = () => ({ trust: world.trust(), clock: world.clock });

  // Cardholder registration, then a purchase with the new certificate.
  const cardholder = await registerCardholder(world, '4111111111111111', '202912', record);
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

  // Inquiry about the same XID.
  const inq = await buildInqReq({ transIds: run.authReqContent.transIds, cardholder });
  const inqAtMerchant = await verifyInqReq(encodeWire(inq.wire), ctx());
  record(encodeWire(inq.wire));
  const inqRes = await buildInqRes({
    req: inqAtMerchant.content,
    outcome: { completionCode: run.receipt.content.completionCode, result: run.receipt.content.result },
    merchant: world.merchant,
  });
  record(encodeWire(inqRes.wire));

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
  for (const t of MESSAGE_TYPES) if (!examples.has(t)) throw new Error(`no example of ${t} was produced`);
  return { examples, extra };
}

function fence(lang: string, body: string): string {
  return `\`\`\`${lang}\n${body}\n\`\`\`\n`;
}

function decodedContent(content: string): string {
  const json = JSON.parse(new TextDecoder().decode(fromB64u(content))) as unknown;
  return `\nContent, decoded from base64url:\n\n${fence('json', JSON.stringify(json, null, 2))}`;
}

function render(example: Example): string {
  const wire = JSON.parse(example.wire) as { body: Record<string, unknown> };
  let out = fence('json', JSON.stringify(wire, null, 2));
  const body = wire.body;
  if (typeof body.content === 'string') out += decodedContent(body.content);
  if (typeof body.oi === 'object' && body.oi) {
    out += `\nOIData, decoded from \`body.oi.oiData\`:\n\n${fence('json', JSON.stringify(JSON.parse(new TextDecoder().decode(fromB64u((body.oi as { oiData: string }).oiData))), null, 2))}`;
  }
  if (typeof body.pi === 'string') {
    out += `\nPI, decoded from \`body.pi\` (the bytes the merchant forwards unchanged):\n\n${fence('json', JSON.stringify(JSON.parse(new TextDecoder().decode(fromB64u(body.pi))), null, 2))}`;
  }
  if (example.opened !== undefined) {
    out += `\nWhat the receiver reads after opening and verifying it:\n\n${fence('json', JSON.stringify(example.opened, replacer, 2))}`;
  }
  return out;
}

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

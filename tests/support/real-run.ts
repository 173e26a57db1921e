/**
 * One run of SET/2 through the real parties, over real HTTP: `startSandbox` (the issuer site's
 * CAs, the gateway, the demo store on the merchant SDK) and a protocol-level wallet
 * (http-wallet.ts). Every message that passes is kept as the wire bytes the servers saw
 * (startSandbox's `observe`), in order: the enrolments at start, a card's registration, a purchase
 * (with the PReq sent twice), an inquiry, the five follow-ups from the store's back office, a
 * second purchase reversed, the merchant listing its transactions, an Error, and the gateway's
 * notifications. The sandbox folder keeps every party's keys.
 *
 * Used by the tests that check docs/protocol.md's statements on the wire and by
 * `npm run docs:protocol`, whose examples are this run's messages.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxClient, TEST_CARDS } from '../../src/demo/sandbox-client.ts';
import { Transcript } from '../../src/demo/transcript.ts';
import { createGatewayClient } from '../../src/merchant/index.ts';
import { postSet } from '../../src/merchant/post-set.ts';
import {
  buildCertInqReq,
  buildInqReq,
  buildPInitReq,
  encodeWire,
  TrustStore,
  verifyCertInqRes,
  verifyInqRes,
} from '../../src/protocol/index.ts';
import { readEntry } from '../../src/sandbox/pki-files.ts';
import { type RunningSandbox, type SetObservation, startSandbox } from '../../src/sandbox/sandbox.ts';
import { until } from './deadlines.ts';
import { payOverHttp, registerOverHttp } from './http-wallet.ts';
import type { Cardholder } from './world.ts';

export interface RealRun {
  sandbox: RunningSandbox;
  /** The sandbox's data folder: pki/ (the CAs), gateway/ and merchant/ (their keys), db/. */
  dataDir: string;
  /** Every SET/2 message but the notifications, in the order the servers saw them. */
  transcript: Transcript;
  /** NotifyRegReq, NotifyRegRes and the Notifications, as they passed. */
  notifications: SetObservation[];
  cardholder: Cardholder;
  /** The first purchase: its XID and the PReq's wire, sent twice. */
  xid: string;
  preqWire: string;
  /** The initiation elements as the store's order page and the issuer's /register page declare them. */
  initiations: { payment: string; registration: string };
  close(): Promise<void>;
}

export async function realRun(opts: {
  dataDir: string;
  /** Saves every message there as NN-Type.json (as `setwallet demo --transcript` does). */
  transcriptDir?: string;
  print?: (line: string) => void;
}): Promise<RealRun> {
  const transcript = new Transcript(opts.print ?? (() => {}), opts.transcriptDir);
  const notifications: SetObservation[] = [];
  transcript.issuerPeer = 'gateway';
  const sandbox = await startSandbox({
    port: 0,
    dataDir: opts.dataDir,
    log: () => {},
    observe: transcript.observe,
    observeNotifications: (e) => void notifications.push(e),
  });
  transcript.issuerPeer = 'wallet';
  try {
    // The root the transcript's chains end at, beside it (as setwallet demo saves it).
    if (opts.transcriptDir)
      copyFileSync(join(opts.dataDir, 'pki', 'root.pem'), join(opts.transcriptDir, 'root.pem'));
    const { urls, root } = sandbox;
    const client = sandboxClient(urls, sandbox.operatorLinks.backOffice, sandbox.gatewayOperatorToken);
    const cardholder = await registerOverHttp(`${urls.issuer}/set/cca`, root, TEST_CARDS.approve);
    const setEndpoint = `${urls.store}/set`;
    // The wallet asks for its certificate again (CertInqReq, as after a lost CertRes).
    const certInq = await buildCertInqReq({ certReq: cardholder.certReq, privateKey: cardholder.privateKey });
    await verifyCertInqRes(
      await postSet(`${urls.issuer}/set/cca`, encodeWire(certInq.wire), [root]),
      certInq.content,
      cardholder.certReq,
      { trust: new TrustStore([root]), clock: { now: new Date() } },
    );

    // A purchase, whose PReq the wallet then sends again with the same bytes (a lost answer).
    const orderUrl = await client.newOrder('mug', 1);
    const element = (kind: string, html: string) => {
      const found = new RegExp(`<script type="application/set-${kind}-initiation\\+json">.*?</script>`).exec(
        html,
      );
      if (!found) throw new Error(`no ${kind} initiation on the page`);
      return found[0];
    };
    const initiations = {
      payment: element('payment', await client.orderPage(orderUrl)),
      registration: element('registration', await (await fetch(`${urls.issuer}/register`)).text()),
    };
    const paid = await payOverHttp(
      setEndpoint,
      root,
      cardholder,
      orderUrl.slice(orderUrl.lastIndexOf('/') + 1),
    );
    const preqWire = encodeWire(paid.preq.wire);
    await postSet(setEndpoint, preqWire, [root]);
    const xid = paid.receipt.content.transIds.xid;

    // The wallet asks the merchant for the payment's state (InqReq, signed with the card's key).
    const inq = await buildInqReq({ transIds: paid.receipt.content.transIds, cardholder });
    await verifyInqRes(
      await postSet(setEndpoint, encodeWire(inq.wire), [root]),
      inq.content,
      paid.pinit.merchant.chain[0]!.thumbprint,
      { trust: new TrustStore([root]), clock: { now: new Date() } },
    );

    // The merchant, signed in to the store's back office, follows up: each a SET request.
    for (const [action, amount] of [
      ['capture', '12.99'],
      ['refund', '5.00'],
      ['reverse-refund', '5.00'],
      ['reverse-capture', '12.99'],
    ] as const) {
      const done = await client.merchantAction(orderUrl, action, amount);
      if (!done.includes(`done=${action}`)) throw new Error(`${action}: the store answered ${done}`);
    }
    const second = await client.newOrder('mug', 1);
    await payOverHttp(setEndpoint, root, cardholder, second.slice(second.lastIndexOf('/') + 1));
    const reversed = await client.merchantAction(second, 'reverse');
    if (!reversed.includes('done=reverse')) throw new Error(`reverse: the store answered ${reversed}`);

    // The merchant reads its own transactions at the gateway (TransListReq), with the SDK.
    const merchantDir = join(opts.dataDir, 'merchant');
    const gateway = await createGatewayClient({
      endpoint: `${urls.gateway}/set`,
      merchant: {
        signature: readEntry(merchantDir, 'merchant-sig'),
        keyExchange: readEntry(merchantDir, 'merchant-kx'),
      },
      trustedRoots: [root],
    });
    if (!(await gateway.getTransaction(xid))) throw new Error(`the gateway lists no ${xid}`);

    // The merchant settles the batch that holds the follow-ups above (BatchAdminReq close).
    const open = (await gateway.listBatches({ state: 'open' })).batches[0];
    if (!open) throw new Error('the gateway lists no open batch after the follow-ups');
    const closed = await gateway.closeBatch(open.batchId);
    if (closed.status !== 'success') throw new Error(`closing batch ${open.batchId}: ${closed.status}`);

    // An Error: a PInitReq dated an hour ahead of the merchant's clock.
    const future = buildPInitReq({
      lidC: 'http-wallet',
      lidM: 'order-from-the-future',
      brandId: 'SETPay',
      bin: '411111',
      now: new Date(Date.now() + 3600_000),
    });
    await postSet(setEndpoint, encodeWire(future.wire), [root]).catch(() => undefined);

    // The gateway notifies the store of each change; wait for the capture's.
    await until('the notification of the capture', async () =>
      notifications.some((n) => n.type === 'Notification' && n.body.length > 0 && n.direction === 'request')
        ? true
        : undefined,
    );
    return {
      sandbox,
      dataDir: opts.dataDir,
      transcript,
      notifications,
      cardholder,
      xid,
      preqWire,
      initiations,
      close: () => sandbox.close(),
    };
  } catch (e) {
    await sandbox.close().catch(() => {});
    throw e;
  }
}

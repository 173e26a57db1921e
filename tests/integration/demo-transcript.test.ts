// The demo's transcript without a browser: startSandbox's `observe` hook over real HTTP, a
// protocol-level wallet registering and paying, the merchant capturing through the store's order
// page, then, as `setwallet demo` does, shipping the rest of the order (a subsequent AuthReq with
// the AuthToken) and, with the sandbox's clock moved a month ahead, charging a subscription's next
// payment. Every message lands in its file exactly as sent, in order, and `setwallet inspect`
// accepts each one against the sandbox root; an Error on the wire is named with what it answered.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommandLine } from '../../src/cli/commands.ts';
import { subsequentAuthReqs } from '../../src/demo/run.ts';
import { type SandboxClient, sandboxClient, TEST_CARDS } from '../../src/demo/sandbox-client.ts';
import { TRANSCRIPT_FILE, Transcript } from '../../src/demo/transcript.ts';
import { TrustStore, VERSION_STRING, verifyAnyAuthReq } from '../../src/protocol/index.ts';
import { SandboxClock } from '../../src/sandbox/clock.ts';
import { readEntry } from '../../src/sandbox/pki-files.ts';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.ts';
import { NOTIFICATIONS_PATH } from '../../src/store/app.ts';
import { pgliteTemplate } from '../support/databases.ts';
import { budget } from '../support/deadlines.ts';
import {
  ENROLMENT,
  NEXT_PAYMENT,
  PURCHASE,
  REGISTRATION,
  REST,
  SUBSCRIPTION,
} from '../support/demo-steps.ts';
import { payOverHttp, registerOverHttp } from '../support/http-wallet.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'set-demo-transcript-'));
const dir = join(dataDir, 'transcript');
const printed: string[] = [];
const transcript = new Transcript((line) => printed.push(line), dir);
let sandbox: RunningSandbox;
let client: SandboxClient;
let xid: string;
let subscriptionXid: string;
const clock = new SandboxClock();

/** setwallet inspect's exit code and what it printed. */
async function inspect(args: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void lines.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void lines.push(a.join(' ')));
  try {
    return { code: await runCommandLine(['inspect', ...args]), output: lines.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

beforeAll(async () => {
  transcript.issuerPeer = 'gateway';
  sandbox = await startSandbox({
    port: 0,
    dataDir,
    databaseTemplate: await pgliteTemplate(),
    log: () => {},
    observe: transcript.observe,
    now: clock.now,
  });
  transcript.issuerPeer = 'wallet';
  client = sandboxClient(sandbox.urls, sandbox.operatorLinks.backOffice, sandbox.gatewayOperatorToken);
  const cardholder = await registerOverHttp(
    `${sandbox.urls.issuer}/set/cca`,
    sandbox.root,
    TEST_CARDS.approve,
  );
  const pay = async (orderUrl: string) => {
    const orderId = orderUrl.slice(orderUrl.lastIndexOf('/') + 1);
    return (await payOverHttp(`${sandbox.urls.store}/set`, sandbox.root, cardholder, orderId)).receipt;
  };
  // A mug and a book that ships later: the whole order signed, the mug's part authorized.
  const orderUrl = await client.newOrder({ mug: 1, annotated: 1 });
  const receipt = await pay(orderUrl);
  xid = receipt.content.transIds.xid;
  expect(receipt.content.result.amount.value).toBe(1299);
  // The merchant's capture, signed in to the store's back office, through the order page's form
  // (a form POST: not a SET message).
  expect(await client.merchantAction(orderUrl, 'capture', '12.99')).toContain('done=capture');
  // The book ships: the rest authorized with the AuthToken, and captured.
  expect(await client.merchantAction(orderUrl, 'authorize-rest')).toContain('done=authorize-rest');
  expect(await client.merchantAction(orderUrl, 'capture', '24.00')).toContain('done=capture');
  // A subscription, and its next payment once the sandbox's servers are a month further on.
  const subscriptionUrl = await client.newOrder('coffee-club');
  subscriptionXid = (await pay(subscriptionUrl)).content.transIds.xid;
  clock.advanceDays(30);
  expect(await client.merchantAction(subscriptionUrl, 'charge-next')).toContain('done=charge-next');
}, budget(300_000));

afterAll(async () => {
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the demo's transcript (startSandbox's observe)", () => {
  it('has every SET message exchanged, in order, and nothing else', () => {
    expect(transcript.entries.map((e) => e.type)).toEqual([
      ...ENROLMENT,
      ...ENROLMENT,
      ...REGISTRATION,
      ...PURCHASE,
      ...REST,
      ...SUBSCRIPTION,
      ...NEXT_PAYMENT,
    ]);
    expect(transcript.entries.map((e) => `${e.from} → ${e.to}`).slice(0, 9)).toEqual([
      'gateway → PCA',
      'PCA → gateway',
      'gateway → PCA',
      'PCA → gateway',
      'merchant → MCA',
      'MCA → merchant',
      'merchant → MCA',
      'MCA → merchant',
      'wallet → CCA',
    ]);
    const start = ENROLMENT.length * 2 + REGISTRATION.length;
    const purchase = transcript.entries
      .slice(start, start + PURCHASE.length)
      .map((e) => `${e.type} ${e.from} → ${e.to}`);
    expect(purchase).toEqual([
      'PInitReq wallet → store',
      'PCertReq store → gateway',
      'PCertRes gateway → store',
      'PInitRes store → wallet',
      'PReq wallet → store',
      'AuthReq store → gateway',
      'AuthRes gateway → store',
      'PRes store → wallet',
      'CapReq store → gateway',
      'CapRes gateway → store',
    ]);
    // Each printed with its time.
    for (const type of PURCHASE)
      expect(printed.join('\n')).toMatch(new RegExp(`\\[\\s*\\d+\\.\\d\\ds\\]\\s+${type}\\s`));
  });

  it('saves each message exactly as it went over the wire, one file each, named in order', () => {
    const files = readdirSync(dir).filter((f) => TRANSCRIPT_FILE.test(f));
    expect(files).toEqual(transcript.entries.map((e) => `${String(e.n).padStart(2, '0')}-${e.type}.json`));
    expect(files).toContain('19-PReq.json');
    for (const e of transcript.entries) expect(readFileSync(e.file!, 'utf8')).toBe(e.body);
  });

  it('holds four AuthReqs: two with the cardholder’s PI, two merchant-initiated with the AuthToken and no PI', async () => {
    const authReqs = transcript.entries.filter((e) => e.type === 'AuthReq');
    expect(authReqs).toHaveLength(4);
    const later = subsequentAuthReqs(transcript.entries);
    expect(later.map((e) => e.n)).toEqual([authReqs[1]!.n, authReqs[3]!.n]);
    // Opened as the gateway opens them, with its key from the sandbox folder: SubsequentAuthInd,
    // the AuthToken of the purchase (its XID, the signed amount), and no PI.
    const gatewayKx = readEntry(join(dataDir, 'gateway'), 'gateway-kx');
    const opened = [];
    for (const e of authReqs) {
      const wire = JSON.parse(e.body) as { hdr: { date: string }; body: { baggage?: string } };
      const verified = await verifyAnyAuthReq(e.body, gatewayKx, {
        trust: new TrustStore([sandbox.root]),
        clock: { now: new Date(wire.hdr.date) },
      });
      opened.push({ kind: verified.kind, pi: wire.body.baggage !== undefined, verified });
    }
    expect(opened.map((o) => [o.kind, o.pi])).toEqual([
      ['initial', true],
      ['subsequent', false],
      ['initial', true],
      ['subsequent', false],
    ]);
    const [, rest, , next] = opened.map((o) => o.verified);
    if (rest?.kind !== 'subsequent' || next?.kind !== 'subsequent') throw new Error('not subsequent');
    expect(rest.content.subsequentAuthInd).toBe(true);
    expect(rest.token).toMatchObject({ xid, purchAmt: { value: 3699 } });
    expect(rest.content.authReqAmt.value).toBe(2400);
    expect(next.token).toMatchObject({
      xid: subscriptionXid,
      installRecurData: { kind: 'recurring', frequencyDays: 30 },
    });
    // The next payment is dated a month after the subscription's first, on the servers' clock.
    const dated = (e: { body: string }) =>
      Date.parse((JSON.parse(e.body) as { hdr: { date: string } }).hdr.date);
    expect(dated(authReqs[3]!) - dated(authReqs[2]!)).toBeGreaterThanOrEqual(30 * 86_400_000);
  });

  it('setwallet inspect accepts every file, with the sandbox root', async () => {
    const roots = join(dataDir, 'pki', 'root.pem');
    for (const e of transcript.entries) {
      const { code, output } = await inspect([e.file!, '--roots', roots]);
      expect(code, `${e.file}:\n${output}`).toBe(0);
      expect(output).toContain(`message: ${e.type}`);
      expect(output.trim().split('\n').at(-1)).toBe('valid');
    }
  });

  it('the gateway ledger shows the order captured in two parts, and the subscription’s two payments', async () => {
    const tx = await client.transaction(xid);
    expect(tx).toMatchObject({ state: 'captured', authorized: { value: 3699 }, captured: { value: 3699 } });
    expect(tx!.events.filter((e) => e.kind === 'capture')).toHaveLength(2);
    const sub = await client.transaction(subscriptionXid);
    expect(sub).toMatchObject({ authorized: { value: 1998 }, captured: { value: 999 } });
  });

  it('an Error on the wire is printed and named with the message it answered', async () => {
    const before = transcript.entries.length;
    const bogus = JSON.stringify({ set: VERSION_STRING, type: 'PReq', hdr: {}, body: {} });
    const res = await fetch(`${sandbox.urls.store}/set`, { method: 'POST', body: bogus });
    const answer = await res.text();
    expect(transcript.entries.slice(before).map((e) => e.type)).toEqual(['PReq', 'Error']);
    expect(transcript.entries.at(-1)!.body).toBe(answer);
    const [described] = transcript.errorsSince(before);
    expect(described).toMatch(/^[a-zA-Z]+: .+ \(an Error from the store to the wallet, answering PReq\)$/);
    expect(printed.at(-1)).toContain(described!.split(' (')[0]);
  });

  it('keeps a Notification and the Error refusing it out of the transcript: they travel on their own schedule', async () => {
    // As when a Notification signed just before the sandbox's clock moves a month is verified just
    // after: the store refuses it with a SET Error (the gateway signs it afresh when it retries).
    // Routed by the answer's type, that Error once landed in the purchase transcript between the
    // subscription's PRes and its next payment.
    const before = transcript.entries.length;
    const bogus = JSON.stringify({ set: VERSION_STRING, type: 'Notification', hdr: {}, body: {} });
    const res = await fetch(`${sandbox.urls.store}${NOTIFICATIONS_PATH}`, { method: 'POST', body: bogus });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect((JSON.parse(await res.text()) as { type: string }).type).toBe('Error');
    expect(transcript.entries.slice(before).map((e) => e.type)).toEqual([]);
  });
});

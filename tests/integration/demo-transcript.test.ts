// The demo's transcript without a browser: startSandbox's `observe` hook over real HTTP, a
// protocol-level wallet registering and paying, the merchant capturing through the store's order
// page. Every message lands in its file exactly as sent, in order, and `setwallet inspect` accepts
// each one against the sandbox root; an Error on the wire is named with what it answered.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommandLine } from '../../src/cli/commands.ts';
import { sandboxClient, TEST_CARDS } from '../../src/demo/sandbox-client.ts';
import { TRANSCRIPT_FILE, Transcript } from '../../src/demo/transcript.ts';
import { VERSION_STRING } from '../../src/protocol/index.ts';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.ts';
import { budget } from '../support/deadlines.ts';
import { payOverHttp, registerOverHttp } from '../support/http-wallet.ts';

const ENROLMENT = ['Me-AqCInitReq', 'Me-AqCInitRes', 'CertReq', 'CertRes'];
const REGISTRATION = ['CardCInitReq', 'CardCInitRes', 'RegFormReq', 'RegFormRes', 'CertReq', 'CertRes'];
// The store asks the gateway for its certificates (PCertReq) when the first PInitReq needs them.
const PURCHASE = [
  'PInitReq',
  'PCertReq',
  'PCertRes',
  'PInitRes',
  'PReq',
  'AuthReq',
  'AuthRes',
  'PRes',
  'CapReq',
  'CapRes',
];

const dataDir = mkdtempSync(join(tmpdir(), 'set-demo-transcript-'));
const dir = join(dataDir, 'transcript');
const printed: string[] = [];
const transcript = new Transcript((line) => printed.push(line), dir);
let sandbox: RunningSandbox;
let xid: string;

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
  sandbox = await startSandbox({ port: 0, dataDir, log: () => {}, observe: transcript.observe });
  transcript.issuerPeer = 'wallet';
  const client = sandboxClient(sandbox.urls, sandbox.operatorLinks.backOffice, sandbox.gatewayOperatorToken);
  const cardholder = await registerOverHttp(
    `${sandbox.urls.issuer}/set/cca`,
    sandbox.root,
    TEST_CARDS.approve,
  );
  const orderUrl = await client.newOrder('mug', 1);
  const orderId = orderUrl.slice(orderUrl.lastIndexOf('/') + 1);
  const { receipt } = await payOverHttp(`${sandbox.urls.store}/set`, sandbox.root, cardholder, orderId);
  xid = receipt.content.transIds.xid;
  // The merchant's capture, signed in to the store's back office, through the order page's form
  // (a form POST: not a SET message).
  expect(await client.merchantAction(orderUrl, 'capture', '12.99')).toContain('done=capture');
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
    const purchase = transcript.entries.slice(-PURCHASE.length).map((e) => `${e.type} ${e.from} → ${e.to}`);
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

  it('setwallet inspect accepts every file, with the sandbox root', async () => {
    const roots = join(dataDir, 'pki', 'root.pem');
    for (const e of transcript.entries) {
      const { code, output } = await inspect([e.file!, '--roots', roots]);
      expect(code, `${e.file}:\n${output}`).toBe(0);
      expect(output).toContain(`message: ${e.type}`);
      expect(output.trim().split('\n').at(-1)).toBe('valid');
    }
  });

  it('the gateway ledger shows the capture of the XID the receipt names', async () => {
    const tx = await sandboxClient(sandbox.urls, undefined, sandbox.gatewayOperatorToken).transaction(xid);
    expect(tx).toMatchObject({ state: 'captured', captured: { value: 1299 } });
    expect(tx!.events.map((e) => e.kind)).toContain('capture');
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
});

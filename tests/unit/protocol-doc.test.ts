// docs/protocol.md is the wire specification: its examples must be the messages of a real run,
// still decoding and verifying through the documented root, one for every message type, and not
// edited by hand: each block is exactly what `npm run docs:protocol` renders from its wire JSON,
// and what a sealed example shows opened is checked by the signature (or hash) it carries.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type Example, OPENED_PREFIX, REAL_RUN_TYPES, render } from '../../scripts/protocol-doc.ts';
import { runCommandLine } from '../../src/cli/commands.ts';
import {
  b64u,
  fromB64u,
  MESSAGE_TYPES,
  type ParsedCertificate,
  parseCertificate,
  pemToDers,
  sha256,
  signedDataTbs,
  utf8,
  verifyNative,
} from '../../src/protocol/index.ts';
import { tamperedSig } from '../support/tamper.ts';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const blocks = new Map(
  [...doc.matchAll(/<!-- example: ([\w-]+) -->\n([\s\S]*?)<!-- \/example -->/g)].map((m) => [m[1]!, m[2]!]),
);
const fences = (block: string) => [...block.matchAll(/```\w+\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
const firstFence = (block: string) => fences(block)[0] ?? '';
const dir = mkdtempSync(join(tmpdir(), 'set-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const EXTRA = [
  'root',
  'BrandCRLIdentifier',
  'payment-initiation',
  'registration-initiation',
  'CertReq-renewal',
  'InqReq-renewed',
];

async function inspect(text: string): Promise<{ code: number; out: string; err: string }> {
  const file = join(dir, 'message.json');
  writeFileSync(file, text);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const code = await runCommandLine(['inspect', file, '--roots', join(dir, 'root.pem')]);
    return { code, out: log.mock.calls.join('\n'), err: error.mock.calls.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** An example block read back into what the generator rendered it from. */
function parseBlock(block: string): Example {
  const wire = JSON.stringify(JSON.parse(firstFence(block)));
  const passed =
    /^\*From a run of the sandbox's parties \(tests\/support\/real-run\.ts\): (\S+) → (\S+)\.\*$/m.exec(
      block,
    );
  const opened = new RegExp(
    `^${OPENED_PREFIX}(.*), the plaintext exactly as its author serialised it:\\n\\n\`\`\`json\\n(.*)\\n\`\`\``,
    'm',
  ).exec(block);
  const read = /^What the receiver reads after opening and verifying it:\n\n```json\n([\s\S]*?)\n```/m.exec(
    block,
  );
  return {
    wire,
    ...(passed ? { passed: { from: passed[1]!, to: passed[2]! } } : {}),
    ...(opened ? { opened: { key: opened[1]!, bytes: utf8(opened[2]!) } } : {}),
    ...(read ? { read: JSON.parse(read[1]!) } : {}),
  };
}

/** Every certificate the examples carry, by thumbprint (base64url). */
const certificates = new Map<string, ParsedCertificate>();
for (const name of MESSAGE_TYPES) {
  const block = blocks.get(name);
  if (!block) continue;
  const wire = JSON.parse(firstFence(block)) as { certs?: string[] };
  for (const c of wire.certs ?? []) {
    const cert = parseCertificate(fromB64u(c));
    certificates.set(b64u(cert.thumbprint), cert);
  }
}
const root = parseCertificate(pemToDers(firstFence(blocks.get('root') ?? ''))[0]!);
certificates.set(b64u(root.thumbprint), root);

async function expectSignedBy(signed: { content: string; sig: string; signer?: string }, key?: Uint8Array) {
  const signer = signed.signer ? certificates.get(signed.signer) : undefined;
  if (signed.signer) expect(signer, `no example carries the signer ${signed.signer}`).toBeDefined();
  const ok = await verifyNative(
    fromB64u(signed.sig),
    signedDataTbs(fromB64u(signed.content)),
    key ?? signer!.publicKey,
  );
  expect(ok).toBe(true);
}

describe('docs/protocol.md', () => {
  writeFileSync(join(dir, 'root.pem'), `${firstFence(blocks.get('root') ?? '')}\n`);

  it.each([...MESSAGE_TYPES])('has a real, verifiable example of %s', async (type) => {
    const block = blocks.get(type);
    expect(block, `no example block for ${type}`).toBeDefined();
    const { code, out, err } = await inspect(firstFence(block!));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`message: ${type} (SET/2)`);
    // Signed examples must verify through the documented root, not merely decode (CertInqReq is
    // signed by the key its CertReq names, which has no certificate yet).
    if (/"signer":|"ds":/.test(firstFence(block!)))
      expect(out).toMatch(/chain: .*\(trusted root, brand SETPay\)/);
  });

  it('an altered example no longer verifies', async () => {
    const pinitRes = JSON.parse(firstFence(blocks.get('PInitRes')!)) as { body: { sig: string } };
    pinitRes.body.sig = tamperedSig(pinitRes.body.sig);
    const { code, err } = await inspect(JSON.stringify(pinitRes));
    expect(code).toBe(1);
    expect(err).toMatch(/^invalid: (signatureFailure|decodingFailure):/);
  });

  it('asks only for examples the generator makes', () => {
    for (const name of blocks.keys())
      expect((MESSAGE_TYPES as readonly string[]).includes(name) || EXTRA.includes(name), name).toBe(true);
  });

  it.each([...MESSAGE_TYPES])(
    'the %s block is exactly what npm run docs:protocol renders (no hand edits)',
    (type) => {
      const block = blocks.get(type)!;
      expect(block).toBe(render(parseBlock(block)));
    },
  );

  it.each([...REAL_RUN_TYPES])('the %s example comes from a run of the real parties', (type) => {
    expect(parseBlock(blocks.get(type)!).passed, type).toBeDefined();
  });

  it('what a sealed example shows opened is what was signed (or hashed) inside it', async () => {
    let checked = 0;
    for (const type of MESSAGE_TYPES) {
      const example = parseBlock(blocks.get(type)!);
      if (!example.opened) continue;
      const inner = JSON.parse(new TextDecoder().decode(example.opened.bytes)) as Record<string, unknown>;
      const wire = JSON.parse(example.wire) as { hdr: { rrpid: string }; body: { oi?: { hPIData: string } } };
      if (type === 'PReq') {
        // The PIData bytes: their hash is what the dual signature covers (body.oi.hPIData).
        expect(b64u(sha256(example.opened.bytes))).toBe(wire.body.oi!.hPIData);
      } else if (type === 'RegFormReq') {
        expect(inner.rrpid).toBe(wire.hdr.rrpid); // RegFormReqData: sealed, not signed
      } else if (type === 'CertReq') {
        // Proof of possession: signed with the new key the content names.
        const s = inner as { content: string; sig: string };
        const content = JSON.parse(new TextDecoder().decode(fromB64u(s.content))) as { publicKey: string };
        await expectSignedBy(s, fromB64u(content.publicKey));
      } else {
        await expectSignedBy(inner as { content: string; sig: string; signer: string });
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it('the BrandCRLIdentifier is signed by the brand CA the examples carry', async () => {
    const bci = JSON.parse(firstFence(blocks.get('BrandCRLIdentifier')!)) as {
      content: string;
      sig: string;
      signer: string;
    };
    expect(certificates.get(bci.signer)?.certificateType).toBe('brand-ca');
    await expectSignedBy(bci);
  });

  it('the purchase examples are one exchange, each dated no later than the next', () => {
    const read = (type: string) => {
      const wire = JSON.parse(firstFence(blocks.get(type)!)) as { hdr: { date: string; xid?: string } };
      return wire.hdr;
    };
    const chain = ['PInitRes', 'PReq', 'AuthReq', 'AuthRes', 'PRes', 'CapReq', 'CapRes'].map(read);
    expect(new Set(chain.map((h) => h.xid)).size).toBe(1);
    const dates = [read('PInitReq'), ...chain].map((h) => Date.parse(h.date));
    expect([...dates].sort((a, b) => a - b)).toEqual(dates);
  });

  it('says how many message types there are as MESSAGE_TYPES counts them, wherever the docs say it', () => {
    const docs = new URL('../../docs/', import.meta.url);
    const files = [
      ...readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .map((f) => new URL(f, docs)),
      new URL('../../README.md', import.meta.url),
    ];
    const said: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(\d+)\s+(?:of\s+\S+\s+)?(?:[\w/.'’-]+\s+)?message\s+types\b/gi)) {
        said.push(`${file.pathname.split('/').pop()}: ${m[0]}`);
        expect(Number(m[1]), `${file.pathname}: "${m[0]}"`).toBe(MESSAGE_TYPES.length);
      }
    }
    // §1's wrapper table says it; a reworded one must still give the number.
    expect(
      said.some((s) => s.startsWith('protocol.md:')),
      said.join('\n'),
    ).toBe(true);
  });
});

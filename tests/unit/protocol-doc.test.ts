// docs/protocol.md is the wire specification: its examples must be real messages that still decode
// and verify, one for every message type, and the generator must still produce all of them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { generateExamples } from '../../scripts/protocol-doc.ts';
import { runCommandLine } from '../../src/cli/commands.ts';
import { MESSAGE_TYPES } from '../../src/protocol/index.ts';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const blocks = new Map(
  [...doc.matchAll(/<!-- example: ([\w-]+) -->\n([\s\S]*?)<!-- \/example -->/g)].map((m) => [m[1]!, m[2]!]),
);
const firstFence = (block: string) => /```\w+\n([\s\S]*?)\n```/.exec(block)?.[1] ?? '';
const dir = mkdtempSync(join(tmpdir(), 'set-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

describe('docs/protocol.md', () => {
  writeFileSync(join(dir, 'root.pem'), `${firstFence(blocks.get('root') ?? '')}\n`);

  it.each([...MESSAGE_TYPES])('has a real, verifiable example of %s', async (type) => {
    const block = blocks.get(type);
    expect(block, `no example block for ${type}`).toBeDefined();
    const { code, out, err } = await inspect(firstFence(block!));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`message: ${type} (SET/2)`);
    // Signed examples must verify through the documented root, not merely decode.
    if (/"sig":|"ds":/.test(firstFence(block!)))
      expect(out).toMatch(/chain: .*\(trusted root, brand SETPay\)/);
  });

  it('an altered example no longer verifies', async () => {
    const pinitRes = JSON.parse(firstFence(blocks.get('PInitRes')!)) as { body: { sig: string } };
    pinitRes.body.sig = `${pinitRes.body.sig.slice(0, -2)}${pinitRes.body.sig.endsWith('AA') ? 'AQ' : 'AA'}`;
    const { code, err } = await inspect(JSON.stringify(pinitRes));
    expect(code).toBe(1);
    expect(err).toMatch(/^invalid: (signatureFailure|decodingFailure):/);
  });

  it('asks only for examples the generator produces', async () => {
    const { examples, extra } = await generateExamples();
    for (const name of blocks.keys()) expect(examples.has(name) || extra.has(name), name).toBe(true);
  });
});

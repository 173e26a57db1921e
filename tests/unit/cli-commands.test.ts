/**
 * The command line has one source for its commands (src/cli/commands.ts): the README's table
 * shows exactly their usage lines, every command answers --help, and a wrong command line exits 2
 * with a sentence and the usage, whatever the command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS, runCommandLine } from '../../src/cli/commands.ts';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  const code = await runCommandLine(argv);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

afterEach(() => vi.restoreAllMocks());

describe('setwallet', () => {
  it("the README's command table lists exactly the commands, with their usage lines", () => {
    const rows = [...README.matchAll(/^\| `(setwallet [^`]*)` \|/gm)].map((m) =>
      m[1]!.replaceAll('\\|', '|'),
    );
    expect(rows.sort()).toEqual(COMMANDS.map((c) => c.usage).sort());
  });

  it('--help lists every command and exits 0; no argument exits 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.out).toContain(c.usage);
    expect((await run([])).code).toBe(2);
  });

  it.each(COMMANDS.map((c) => [c.words.join(' '), c] as const))(
    'setwallet %s --help prints its usage and exits 0',
    async (_, c) => {
      const r = await run([...c.words, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`usage: ${c.usage}`);
    },
  );

  it.each(COMMANDS.map((c) => [c.words.join(' '), c] as const))(
    'setwallet %s with an unknown option exits 2, naming it, with the usage',
    async (_, c) => {
      const r = await run([...c.words, '--no-such-option']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/unknown option '--no-such-option'/);
      expect(r.err).toContain(`usage: ${c.usage}`);
    },
  );

  it('a group without its subcommand, or an unknown one, lists the group and exits 2', async () => {
    for (const argv of [['pki'], ['pki', 'frobnicate']]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain('usage: setwallet pki init DIR');
      expect(r.err).toContain('usage: setwallet pki export DIR');
    }
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
  });

  it('a missing or extra operand, and a bad option value, exit 2 with a sentence', async () => {
    expect(await run(['inspect'])).toMatchObject({ code: 2, err: expect.stringContaining('missing FILE') });
    expect(await run(['sandbox', 'revoke'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('missing SERIAL'),
    });
    expect(await run(['pki', 'init', 'a', 'b'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('unexpected argument "b"'),
    });
    expect(await run(['sandbox', '--port', '70000'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--port must be a port number'),
    });
    expect(await run(['demo', '--card', '4111111111111112'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('is not a card number'),
    });
    expect(await run(['sandbox', '--port'])).toMatchObject({
      code: 2,
      err: expect.stringContaining("'--port"),
    });
  });
});

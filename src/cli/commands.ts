/**
 * Every `setwallet` command, once: the words that select it, its usage line (the README's table
 * shows exactly these, which tests/unit/cli-commands.test.ts checks), what it does, its options
 * for `node:util` parseArgs, and the module that runs it, imported only when it runs, so that
 * `setwallet --help` loads none of them.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What a command's module receives: its options' values and its positional arguments. */
export interface Invocation {
  /** An option with `multiple: true` gives every value, in order. */
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface Command {
  /** The words after `setwallet` that select the command. */
  words: string[];
  /** The usage line, as `setwallet --help` and the README's table show it. */
  usage: string;
  /** What it does, in one line. */
  summary: string;
  /** More for `setwallet COMMAND --help`: what each option means. */
  details?: string;
  options: Options;
  /** The positional arguments it requires, by the names its usage gives them. */
  operands: string[];
  run(invocation: Invocation): Promise<number>;
}

export const COMMANDS: Command[] = [
  {
    words: ['start'],
    usage: 'setwallet start [--data DIR] [--headless]',
    summary: 'what npm start runs: build the wallet, run the sandbox, open Chromium with the wallet',
    details: `  Builds the wallet if needed, starts the sandbox (data in DIR, default .sandbox) and opens Chromium
  with the wallet and the demo store. Without a display, or with --headless, runs the scripted demo
  (setwallet demo) instead.`,
    options: { data: { type: 'string' }, headless: { type: 'boolean' } },
    operands: [],
    run: async (i) => (await import('./start.ts')).runStart(i),
  },
  {
    words: ['demo'],
    usage:
      'setwallet demo [--browser chromium|firefox] [--transcript DIR] [--screenshots DIR] [--card PAN] [--keep DIR]',
    summary: 'SET end to end in a headless browser, scripted, each SET message printed',
    details: `  Starts a fresh sandbox on free ports, drives the wallet's production build in a headless browser
  (default chromium) through first run, the sandbox root, a test card, a one-click purchase at the
  demo store and the merchant's capture, and prints each SET/2 message as it passes.
  --transcript DIR    save every SET/2 message there, one file each (01-Me-AqCInitReq.json …),
                      for setwallet inspect
  --screenshots DIR   save the confirmation window and the receipt as PNG files
  --card PAN          the sandbox test card to use (default 4111 1111 1111 1111; see the issuer's
                      /test-cards page: the others decline)
  --keep DIR          keep the run in DIR (new or empty): DIR/sandbox, the sandbox's folder with
                      every party's keys and certificates, and DIR/transcript, every SET/2 message
                      and root.pem, to check with openssl and setwallet inspect (see the README)`,
    options: {
      browser: { type: 'string' },
      transcript: { type: 'string' },
      screenshots: { type: 'string' },
      card: { type: 'string' },
      keep: { type: 'string' },
    },
    operands: [],
    run: async (i) => (await import('./demo.ts')).runDemoCommand(i),
  },
  {
    words: ['sandbox'],
    usage: 'setwallet sandbox [--port BASE] [--data DIR] [--open-acquirer]',
    summary: 'run the issuer site, payment gateway and demo store until Ctrl-C',
    details: `  The issuer site (CAs) on BASE, the payment gateway on BASE+1 and the demo store on BASE+2
  (default BASE 8700, DIR .sandbox); PGlite in DIR/db, or PostgreSQL when DATABASE_URL is set.
  --open-acquirer     also the open acquirer: a gateway whose certificates say cardCertRequired
                      false on BASE+3 and SET Open Store, taking purchases without the card's
                      certificate, on BASE+4 (their own database: PGlite in DIR/open-acquirer/db,
                      or OPEN_ACQUIRER_DATABASE_URL with DATABASE_URL)`,
    options: { port: { type: 'string' }, data: { type: 'string' }, 'open-acquirer': { type: 'boolean' } },
    operands: [],
    run: async (i) => (await import('./sandbox.ts')).runSandbox(i),
  },
  {
    words: ['sandbox', 'revoke'],
    usage: 'setwallet sandbox revoke SERIAL [--port BASE] [--data DIR]',
    summary: 'revoke a certificate in the running sandbox; the gateway applies it at its next check',
    details: `  SERIAL is the certificate's serial number in hex, as the issuer site's /certificates page and
  setwallet inspect show it. --port and --data name the sandbox, as for setwallet sandbox.`,
    options: { port: { type: 'string' }, data: { type: 'string' } },
    operands: ['SERIAL'],
    run: async (i) => (await import('./sandbox.ts')).runRevoke(i),
  },
  {
    words: ['merchant', 'enrol'],
    usage:
      'setwallet merchant enrol --origin ORIGIN [--origin …] --name NAME --out DIR [--sandbox URL] [--root root.pem]',
    summary: "enrol a shop's own origins with the sandbox's Merchant CA over SET; write its keys to DIR",
    details: `  Me-AqCInit → CertReq → CertRes with the sandbox's MCA. Writes to DIR: merchant-sig.key and
  merchant-kx.key (PKCS#8, mode 0600), merchant-sig.pem and merchant-kx.pem (certificate, then its
  CAs), root.pem, and merchant.json (the MerchantID the MCA assigned, the origins, the file names).
  If DIR already holds an enrolment, it is renewed with its current key and keeps its MerchantID.
  --origin ORIGIN   a web origin of the shop, e.g. https://shop.example (up to 8)
  --name NAME       the shop's name; two merchants cannot share one
  --sandbox URL     the sandbox's issuer site (default http://127.0.0.1:8700)
  --root FILE       the brand root to trust (default: fetched from the sandbox; check the fingerprint
                    it prints)
  --brand BRAND, --city CITY, --country CC, --category MCC
                    merchant data (default SETPay, Sandbox, US, 5999)`,
    options: {
      origin: { type: 'string', multiple: true },
      name: { type: 'string' },
      out: { type: 'string' },
      sandbox: { type: 'string' },
      root: { type: 'string' },
      brand: { type: 'string' },
      city: { type: 'string' },
      country: { type: 'string' },
      category: { type: 'string' },
    },
    operands: [],
    run: async (i) => (await import('./merchant.ts')).runMerchantEnrol(i),
  },
  {
    words: ['pki', 'init'],
    usage: 'setwallet pki init DIR [--merchant-origin ORIGIN]',
    summary: 'write a complete sandbox certificate hierarchy into DIR (refuses to overwrite a root)',
    details: `  Writes root.pem, NAME.pem (the certificate, then its issuers up to but not including the root)
  and NAME.key (PKCS#8, mode 0600) for brand-ca, cca, mca, pca, cca-kx, mca-kx, pca-kx,
  gateway-sig, gateway-kx, merchant-sig and merchant-kx.
  --merchant-origin ORIGIN   web origin bound into merchant-sig (default http://127.0.0.1:8702)`,
    options: { 'merchant-origin': { type: 'string' } },
    operands: ['DIR'],
    run: async (i) => (await import('./pki.ts')).runPkiInit(i),
  },
  {
    words: ['pki', 'export'],
    usage: 'setwallet pki export DIR [--data DIR]',
    summary: "write the sandbox's certificates and keys in pki init's layout",
    options: { data: { type: 'string' } },
    operands: ['DIR'],
    run: async (i) => (await import('./pki.ts')).runPkiExport(i),
  },
  {
    words: ['inspect'],
    usage: 'setwallet inspect FILE|- [--roots root.pem] [--extract DIR]',
    summary: 'decode and verify a SET/2 message or PEM certificates; exit 1 with the SET error code',
    details: `  Prints the fields and thumbprint: <hex>, verifies signatures and, with --roots, every chain.
  Exit 0 when valid, 1 with the SET ErrorCode when not, 2 for usage errors.
  --extract DIR   write the message's signature for openssl: signed.bin (the exact bytes signed),
                  signature.der, signer.pem and chain.pem (the signer, then the certificates
                  carried); openssl dgst -sha256 -verify then checks it without this tool`,
    options: { roots: { type: 'string' }, extract: { type: 'string' } },
    operands: ['FILE'],
    run: async (i) => (await import('./inspect.ts')).runInspect(i),
  },
];

/** `setwallet --help`: every command's usage and what it does. */
export function overview(): string {
  const lines = COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `usage:\n${lines.join('\n')}\n\nsetwallet COMMAND --help says more about one command.`;
}

function describe(c: Command): string {
  return `usage: ${c.usage}\n  ${c.summary}${c.details ? `\n${c.details}` : ''}`;
}

/** `setwallet WORDS… --help`: every command whose words start with `words`, with details. */
export function helpFor(words: string[]): string {
  return COMMANDS.filter((c) => words.every((w, i) => c.words[i] === w))
    .map(describe)
    .join('\n\n');
}

/** The command `argv` selects: the one with the most of its words at the start of `argv`. */
export function selectCommand(argv: string[]): Command | undefined {
  return [...COMMANDS]
    .sort((a, b) => b.words.length - a.words.length)
    .find((c) => c.words.every((w, i) => argv[i] === w));
}

/** A usage error: the command line itself is wrong (exit 2), with the sentence to print. */
export class UsageError extends Error {}

/** Parses a command's arguments strictly: an unknown option or a missing value is a UsageError. */
export function parseInvocation(command: Command, args: string[]): Invocation {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs' messages name the option; the rest of them is advice for programmers.
    throw new UsageError((e as Error).message.split('. ')[0]!.replace(/^Unknown option/, 'unknown option'));
  }
  const { operands } = command;
  const { positionals } = parsed;
  if (positionals.length > operands.length)
    throw new UsageError(`unexpected argument "${positionals[operands.length]}"`);
  if (positionals.length < operands.length) throw new UsageError(`missing ${operands[positionals.length]}`);
  return { values: parsed.values as Invocation['values'], positionals };
}

const HELP = new Set(['-h', '--help', 'help']);

/** Runs `setwallet ARGV…`: help, usage errors (exit 2) and the command itself; returns its exit code. */
export async function runCommandLine(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === undefined || HELP.has(first)) {
    if (first === 'help' && argv.length > 1) return help(argv.slice(1));
    console.log(overview());
    return first === undefined ? 2 : 0;
  }
  const command = selectCommand(argv);
  if (argv.some((a) => a === '-h' || a === '--help')) {
    return help(command ? command.words : argv.filter((a) => !a.startsWith('-')).slice(0, 1));
  }
  if (!command) {
    const group = helpFor(argv.slice(0, 1));
    console.error(
      group
        ? `setwallet: "${argv.slice(0, 2).join(' ')}" is not a command; one of:\n${group}`
        : `setwallet: unknown command "${first}"\n${overview()}`,
    );
    return 2;
  }
  const name = `setwallet ${command.words.join(' ')}`;
  try {
    return await command.run(parseInvocation(command, argv.slice(command.words.length)));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${name}: ${e.message}\n${describe(command)}`);
    return 2;
  }
}

function help(words: string[]): number {
  const text = helpFor(words);
  if (!text) {
    console.error(`setwallet: unknown command "${words.join(' ')}"\n${overview()}`);
    return 2;
  }
  console.log(text);
  return 0;
}

/**
 * The payment gateway in a process of its own, for the tests that need real processes: two
 * gateways sharing one PostgreSQL database, and one killed with SIGKILL mid-stream.
 *
 *   node --import tsx tests/support/gateway-process.ts --pki DIR [--port N]
 *        [--database-url URL | --data-dir DIR] [--issuer-timeout-ms N] [--notify-lease-ms N]
 *
 * DIR is a `setwallet pki init` directory (NAME.pem: certificate then its CAs; NAME.key:
 * PKCS#8). Without --database-url or --data-dir the ledger is an in-memory PGlite. Prints
 * "listening <port>" once it accepts connections; SIGTERM closes it cleanly. With
 * --notify-lease-ms its notification delivery worker runs, with short back-off and that lease.
 *
 * Imported as a module it gives the tests `writePkiDir`, `startGatewayProcess`, and
 * `merchantAuthReq`: the AuthReq a merchant sends, carrying its key-exchange chain.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGateway, createIssuerSimulator, DEFAULT_TEST_CARDS, listen } from '../../src/gateway/index.ts';
import {
  type Amount,
  b64u,
  buildAuthReq,
  carriedCerts,
  certificateToPem,
  type InstallRecurData,
  type ParsedCertificate,
  parseCertificate,
  pemToDers,
  privateKeyFromPem,
  privateKeyToPem,
  randomNonce,
  verifyPReq,
} from '../../src/protocol/index.ts';
import { openDatabase } from '../../src/storage/index.ts';
import { PROCESS_START_MS } from './deadlines.ts';
import { type Cardholder, TestMerchant, TestWallet, type World } from './world.ts';

const THIS_FILE = fileURLToPath(import.meta.url);
const REPO_ROOT = resolve(dirname(THIS_FILE), '../..');

/** Writes a world's hierarchy in `setwallet pki init`'s layout, so a process can load the same keys. */
export function writePkiDir(world: World, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const byName = new Map(world.hierarchy.entries.map((e) => [e.name, e]));
  for (const e of world.hierarchy.entries) {
    writeFileSync(join(dir, `${e.name}.key`), privateKeyToPem(e.privateKey, e.certificate.publicKey), {
      mode: 0o600,
    });
    const chain = [e.certificate, ...e.issuerNames.map((n) => byName.get(n)!.certificate)];
    writeFileSync(join(dir, `${e.name}.pem`), chain.map((c) => certificateToPem(c.der)).join(''));
  }
}

/**
 * Runs a purchase up to the merchant's AuthReq for `cardholder`, with the merchant's
 * key-exchange chain in `certs` (the gateway seals its AuthRes to it). `build(rrpid)` makes
 * another AuthReq for the same order: with the same RRPID it is a retry, with another a
 * conflicting request for the same XID.
 */
export async function merchantAuthReq(
  world: World,
  cardholder: Cardholder,
  opts: {
    amount?: Amount;
    /** What the first AuthReq asks for, when less than the signed `amount` (a split shipment's first part). */
    authReqAmt?: Amount;
    installRecurData?: InstallRecurData;
    /** What the AuthReq declares, when it is not the plan the cardholder signed. */
    declaredPlan?: InstallRecurData | 'none';
    captureNow?: boolean;
    now?: Date;
    lidM?: string;
  } = {},
) {
  const merchant = new TestMerchant(world);
  const wallet = new TestWallet(world, cardholder);
  const purchAmt = opts.amount ?? { currency: 'EUR', value: 1299, exponent: 2 };
  const pinitReq = wallet.pinitReq(opts.lidM);
  const pinit = await wallet.verifyPInitRes(
    await merchant.pinit(JSON.stringify(pinitReq.wire), {
      od: 'One SET/2 mug',
      purchAmt,
      ...(opts.installRecurData ? { installRecurData: opts.installRecurData } : {}),
    }),
    pinitReq.content,
  );
  const preq = await wallet.preq(pinit);
  const verified = await verifyPReq(JSON.stringify(preq.wire), (xid) => merchant.pending.get(xid), {
    trust: merchant.trust,
    clock: world.clock,
  });
  const declared = opts.declaredPlan === 'none' ? undefined : (opts.declaredPlan ?? opts.installRecurData);
  const build = async (rrpid: string = b64u(randomNonce())) => {
    const auth = await buildAuthReq({
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      oiData: verified.oiData,
      hOIData: verified.hOIData,
      piBytes: verified.piBytes,
      cardholderCerts: [...verified.certs, ...carriedCerts([world.merchantKx.chain])],
      authReqAmt: opts.authReqAmt ?? purchAmt,
      captureNow: opts.captureNow ?? false,
      ...(declared ? { installRecurData: declared } : {}),
      rrpid,
      now: opts.now ?? world.clock.now,
    });
    return { wire: JSON.stringify(auth.wire), content: auth.content };
  };
  return { ...(await build()), build, xid: verified.oiData.transIds.xid, oiData: verified.oiData };
}

export interface GatewayProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** Sends `signal` and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startGatewayProcess(opts: {
  pkiDir: string;
  databaseUrl?: string;
  dataDir?: string;
  port?: number;
  issuerTimeoutMs?: number;
  /** Runs the notification delivery worker with this lease (ms). */
  notifyLeaseMs?: number;
}): Promise<GatewayProcess> {
  const args = ['--import', 'tsx', THIS_FILE, '--pki', opts.pkiDir, '--port', String(opts.port ?? 0)];
  if (opts.databaseUrl) args.push('--database-url', opts.databaseUrl);
  if (opts.dataDir) args.push('--data-dir', opts.dataDir);
  if (opts.issuerTimeoutMs !== undefined) args.push('--issuer-timeout-ms', String(opts.issuerTimeoutMs));
  if (opts.notifyLeaseMs !== undefined) args.push('--notify-lease-ms', String(opts.notifyLeaseMs));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = '';
    // Starting is CPU-bound (tsx, PGlite's initdb on a fresh folder): the limit is a hang guard.
    const timer = setTimeout(
      () => reject(new Error(`the gateway process did not start in ${PROCESS_START_MS} ms:\n${err}`)),
      PROCESS_START_MS,
    );
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^listening (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the gateway process exited (${code ?? signal}) before listening:\n${err}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    stderr: () => err,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!;
    const value = argv[i + 1];
    if (!key.startsWith('--') || value === undefined) throw new Error(`bad argument ${key}`);
    out.set(key.slice(2), value);
  }
  return out;
}

function loadParty(dir: string, name: string) {
  const chain: ParsedCertificate[] = pemToDers(readFileSync(join(dir, `${name}.pem`), 'utf8')).map(
    parseCertificate,
  );
  const privateKey = privateKeyFromPem(readFileSync(join(dir, `${name}.key`), 'utf8'));
  return { privateKey, certificate: chain[0]!, chain };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const pki = args.get('pki');
  if (!pki) throw new Error('--pki DIR is required');
  const root = parseCertificate(pemToDers(readFileSync(join(pki, 'root.pem'), 'utf8'))[0]!);
  const url = args.get('database-url');
  const dataDir = args.get('data-dir');
  const db = await openDatabase({ ...(url ? { url } : {}), ...(dataDir ? { dataDir } : {}) });
  const gateway = await createGateway({
    db,
    signature: loadParty(pki, 'gateway-sig'),
    keyExchange: loadParty(pki, 'gateway-kx'),
    trustedRoots: [root],
    issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, {
      timeoutMs: Number(args.get('issuer-timeout-ms') ?? 2000),
    }),
    notificationDelivery: {
      baseDelayMs: 50,
      maxDelayMs: 200,
      timeoutMs: 30_000,
      pollMs: 50,
      leaseMs: Number(args.get('notify-lease-ms') ?? 40_000),
    },
  });
  if (args.has('notify-lease-ms')) gateway.delivery.start();
  const server = await listen(gateway, { port: Number(args.get('port') ?? 0) });
  process.stdout.write(`listening ${server.port}\n`);
  process.once('SIGTERM', () => {
    void gateway.delivery
      .stop()
      .then(() => server.close())
      .then(() => db.close())
      .finally(() => process.exit(0));
  });
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}

/**
 * `setwallet sandbox [--port BASE] [--data DIR]`: runs the issuer site, the payment gateway and the
 * demo store until SIGINT or SIGTERM. `setwallet sandbox revoke SERIAL` revokes a certificate in
 * the running sandbox through the issuer site's admin API.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintText } from '../protocol/index.ts';
import { DEFAULT_BASE_PORT, startSandbox } from '../sandbox/sandbox.ts';

const USAGE = `usage:
  setwallet sandbox [--port BASE] [--data DIR]
      the issuer site (CAs) on BASE, the payment gateway on BASE+1 and the demo store on BASE+2
      (default BASE ${DEFAULT_BASE_PORT}, DIR .sandbox); PGlite in DIR/db, or PostgreSQL when
      DATABASE_URL is set. Runs until Ctrl-C.
  setwallet sandbox revoke SERIAL [--port BASE] [--data DIR]
      revokes the certificate with that serial number (hex) in the running sandbox`;

interface Flags {
  port: number;
  dataDir: string;
  rest: string[];
}

function parseFlags(args: string[]): Flags | string {
  const flags: Flags = { port: DEFAULT_BASE_PORT, dataDir: '.sandbox', rest: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--port' || a === '--data') {
      const value = args[++i];
      if (value === undefined) return `${a} needs a value`;
      if (a === '--data') flags.dataDir = value;
      else {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 1 || port > 65533)
          return `--port must be a port number from 1 to 65533`;
        flags.port = port;
      }
    } else if (a.startsWith('-')) return `unknown option "${a}"`;
    else flags.rest.push(a);
  }
  return flags;
}

export async function runSandbox(args: string[]): Promise<number> {
  if (args[0] === '-h' || args[0] === '--help') {
    console.log(USAGE);
    return 0;
  }
  const flags = parseFlags(args);
  if (typeof flags === 'string') {
    console.error(`setwallet sandbox: ${flags}\n${USAGE}`);
    return 2;
  }
  if (flags.rest[0] === 'revoke') return revoke(flags);
  if (flags.rest.length) {
    console.error(`setwallet sandbox: unexpected argument "${flags.rest[0]}"\n${USAGE}`);
    return 2;
  }
  const sandbox = await startSandbox({
    port: flags.port,
    dataDir: flags.dataDir,
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
  });
  console.log(`
SET/2 sandbox running (data in ${flags.dataDir}/, ${sandbox.db.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'})
  issuer site and CAs  ${sandbox.urls.issuer}      register a card, test cards, certificates, CRLs
  payment gateway      ${sandbox.urls.gateway}      dashboard of authorizations, captures, refunds
  demo store           ${sandbox.urls.store}      shop and pay with SET Wallet
  sandbox root         ${join(flags.dataDir, 'pki', 'root.pem')}
                       SHA-256 ${fingerprintText(sandbox.root.thumbprint)}
Press Ctrl-C to stop.`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`\n${signal}: stopping the sandbox…`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await sandbox.close();
  console.log('stopped.');
  return 0;
}

async function revoke(flags: Flags): Promise<number> {
  const serial = flags.rest[1];
  if (!serial || flags.rest.length > 2) {
    console.error(`setwallet sandbox revoke: give one serial number\n${USAGE}`);
    return 2;
  }
  const tokenFile = join(flags.dataDir, 'admin-token');
  if (!existsSync(tokenFile)) {
    console.error(
      `setwallet sandbox revoke: no sandbox in ${flags.dataDir}/ (no admin-token). Start it with setwallet sandbox.`,
    );
    return 1;
  }
  const url = `http://127.0.0.1:${flags.port}/admin/revoke`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}`,
      },
      body: JSON.stringify({ serial }),
    });
  } catch {
    console.error(
      `setwallet sandbox revoke: the sandbox is not running at ${url}; start it, or give its --port.`,
    );
    return 1;
  }
  const text = await res.text();
  if (!res.ok) {
    console.error(`setwallet sandbox revoke: ${res.status} ${text}`);
    return 1;
  }
  const result = JSON.parse(text) as { status: string; issuer?: string; crlNumber?: number };
  console.log(
    result.status === 'revoked'
      ? `revoked ${serial}; the ${result.issuer} CRL is now number ${result.crlNumber}. The gateway applies it at its next check.`
      : `${serial}: ${result.status}`,
  );
  return 0;
}

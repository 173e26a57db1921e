/**
 * `setwallet sandbox [--port BASE] [--data DIR] [--open-acquirer]`: runs the issuer site, the payment
 * gateway and the demo store (and, asked for, the open acquirer's gateway and store) until SIGINT or
 * SIGTERM. `setwallet sandbox revoke SERIAL` revokes a certificate in
 * the running sandbox through the issuer site's admin API.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintText, readText } from '../protocol/index.ts';
import { DEFAULT_BASE_PORT, startSandbox } from '../sandbox/sandbox.ts';
import { type Invocation, UsageError } from './commands.ts';

interface Flags {
  port: number;
  dataDir: string;
}

function flagsOf(values: Invocation['values']): Flags {
  const flags: Flags = {
    port: DEFAULT_BASE_PORT,
    dataDir: (values.data as string | undefined) ?? '.sandbox',
  };
  if (typeof values.port === 'string') {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65533)
      throw new UsageError('--port must be a port number from 1 to 65533');
    if (values['open-acquirer'] === true && port > 65531)
      throw new UsageError('with --open-acquirer, --port must be at most 65531 (it uses BASE to BASE+4)');
    flags.port = port;
  }
  return flags;
}

export async function runSandbox({ values }: Invocation): Promise<number> {
  const flags = flagsOf(values);
  const sandbox = await startSandbox({
    port: flags.port,
    dataDir: flags.dataDir,
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
    ...(values['open-acquirer'] === true
      ? {
          openAcquirer: true,
          ...(process.env.OPEN_ACQUIRER_DATABASE_URL
            ? { openAcquirerDatabaseUrl: process.env.OPEN_ACQUIRER_DATABASE_URL }
            : {}),
        }
      : {}),
  });
  console.log(`
SET/2 sandbox running (data in ${flags.dataDir}/, ${sandbox.db.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'})
  issuer site and CAs  ${sandbox.urls.issuer}      register a card, test cards, certificates, CRLs
  payment gateway      ${sandbox.urls.gateway}      dashboard of authorizations, captures, refunds
  demo store           ${sandbox.urls.store}      shop and pay with SET Wallet
${
  sandbox.openAcquirer
    ? `  open acquirer        ${sandbox.openAcquirer.gateway}      a gateway whose certificates say cardCertRequired false
  open store           ${sandbox.openAcquirer.store}      pay with or without your card's certificate
`
    : ''
}  sandbox root         ${join(flags.dataDir, 'pki', 'root.pem')}
                       SHA-256 ${fingerprintText(sandbox.root.thumbprint)}
Operator links (keep them to yourself: each signs in whoever opens it):
  store back office    ${sandbox.operatorLinks.backOffice}
                       capture, refund and reverse payments
  issuer certificates  ${sandbox.operatorLinks.certificates}
                       revoke certificates
  gateway dashboard    ${sandbox.operatorLinks.gatewayDashboard}
                       the ledger; capture, refund and reverse as the acquirer's operator
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

export async function runRevoke({ values, positionals: [serial] }: Invocation): Promise<number> {
  const flags = flagsOf(values);
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
  const text = await readText(res, 64 * 1024).catch(() => '(an unreadable answer)');
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

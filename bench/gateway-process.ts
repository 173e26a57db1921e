/**
 * One payment gateway process for the load suite (bench/gateway.ts), started with child_process.fork
 * so that its CPU time can be read apart from the load generator's:
 *
 *   fork('bench/gateway-process.ts', ['--pki', DIR, '--database-url', URL | '--data-dir', DIR],
 *        { execArgv: ['--import', 'tsx'] })
 *
 * DIR is a `setwallet pki init` directory (tests/support/gateway-process.ts writePkiDir). It is the
 * real gateway (src/gateway createGateway, the test-card issuer simulator) on 127.0.0.1, port 0,
 * with its notification worker running as in a real server.
 * It speaks bench/server-ipc.ts over the IPC channel.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createGateway, createIssuerSimulator, DEFAULT_TEST_CARDS, listen } from '../src/gateway/index.ts';
import { parseCertificate, pemToDers } from '../src/protocol/index.ts';
import { readEntry } from '../src/sandbox/pki-files.ts';
import { openDatabase } from '../src/storage/index.ts';
import { answerBench } from './server-ipc.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { pki: { type: 'string' }, 'database-url': { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  if (!values.pki || !process.send)
    throw new Error('bench/gateway-process: --pki and an IPC channel are required');
  const root = parseCertificate(pemToDers(readFileSync(join(values.pki, 'root.pem'), 'utf8'))[0]!);
  const url = values['database-url'];
  const dataDir = values['data-dir'];
  const db = await openDatabase({ ...(url ? { url } : {}), ...(dataDir ? { dataDir } : {}) });
  const gateway = await createGateway({
    db,
    signature: readEntry(values.pki, 'gateway-sig'),
    keyExchange: readEntry(values.pki, 'gateway-kx'),
    trustedRoots: [root],
    issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: 2000 }),
    log: () => {},
  });
  const server = await listen(gateway, { port: 0 });
  // As a real gateway server runs it (src/sandbox): the notification worker polls and is woken.
  gateway.delivery.start();
  answerBench(server.port, {
    counts: async () => (await gateway.ledger.counts()).authorizations,
    stop: () =>
      gateway.delivery
        .stop()
        .then(() => server.close())
        .then(() => db.close()),
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});

/**
 * The developer sandbox as the browser suites use it: started once per suite on free ports, with a
 * short issuer timeout, plus what a test needs to set up and check a checkout from outside the
 * browser (src/demo/sandbox-client.ts): a fresh order at the demo store, the gateway's ledger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SandboxClient, sandboxClient } from '../../src/demo/sandbox-client.ts';
import { type SandboxOptions, startSandbox } from '../../src/sandbox/sandbox.ts';
import { pgliteTemplate } from '../support/databases.ts';

export { type LedgerAuthorization, TEST_CARDS } from '../../src/demo/sandbox-client.ts';

export interface E2eSandbox extends SandboxClient {
  log: string[];
  /** The gateway operator's sign-in link (the sandbox prints it): a session on the gateway's dashboard. */
  gatewayDashboard: string;
  /** With `openAcquirer`: the store behind the gateway whose certificates say cardCertRequired false. */
  openStore?: string;
  close(): Promise<void>;
}

/**
 * `options`: what a suite needs beyond the defaults (short-lived cardholder certificates, the open
 * acquirer).
 */
export async function startE2eSandbox(
  options: Pick<SandboxOptions, 'cardholderValidityMs' | 'openAcquirer'> = {},
): Promise<E2eSandbox> {
  const dataDir = mkdtempSync(join(tmpdir(), 'set-wallet-e2e-sandbox-'));
  const log: string[] = [];
  const sandbox = await startSandbox({
    port: 0,
    dataDir,
    databaseTemplate: await pgliteTemplate(),
    issuerTimeoutMs: 1000,
    log: (line) => log.push(line),
    ...options,
  }).catch((e: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  return {
    ...sandboxClient(sandbox.urls, sandbox.operatorLinks.backOffice, sandbox.gatewayOperatorToken),
    log,
    gatewayDashboard: sandbox.operatorLinks.gatewayDashboard,
    ...(sandbox.openAcquirer ? { openStore: sandbox.openAcquirer.store } : {}),
    async close() {
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The developer sandbox as the browser suites use it: started once per suite on free ports, with a
 * short issuer timeout, plus what a test needs to set up and check a checkout from outside the
 * browser (src/demo/sandbox-client.ts): a fresh order at the demo store, the gateway's ledger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserName, launchBrowser, type WalletBrowser } from '../../src/demo/browsers.ts';
import { loadMessages, type Messages } from '../../src/demo/messages.ts';
import { type SandboxClient, sandboxClient, TEST_CARDS } from '../../src/demo/sandbox-client.ts';
import { WalletUser } from '../../src/demo/wallet.ts';
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

/** A browser with the wallet and a sandbox, started side by side, and the wallet's user in it. */
export interface E2eLaunch {
  browser: WalletBrowser;
  sandbox: E2eSandbox;
  /** The build's wallet texts, in `locale`. */
  m: Messages;
  user: WalletUser;
}

/**
 * Launches browser `name` (in `locale`, default English) and starts a sandbox (`sandbox`: its
 * options) at the same time. If either fails, what did start is closed before the error is thrown,
 * so a suite's afterAll has nothing left behind to stop.
 */
export async function launchWithSandbox(
  name: BrowserName,
  options: { locale?: string; sandbox?: Parameters<typeof startE2eSandbox>[0] } = {},
): Promise<E2eLaunch> {
  const [b, s] = await Promise.allSettled([
    launchBrowser(name, options.locale ? { locale: options.locale } : {}),
    startE2eSandbox(options.sandbox),
  ]);
  try {
    if (b.status === 'rejected') throw b.reason;
    if (s.status === 'rejected') throw s.reason;
    const m = loadMessages(b.value.extensionDir, options.locale);
    return { browser: b.value, sandbox: s.value, m, user: new WalletUser(b.value, m) };
  } catch (e) {
    if (b.status === 'fulfilled') await b.value.close().catch(() => {});
    if (s.status === 'fulfilled') await s.value.close().catch(() => {});
    throw e;
  }
}

/**
 * The wallet's first run, the sandbox's root trusted in the settings, and the approving test card
 * registered at the sandbox's issuer (`views`: as WalletUser.registerCard).
 */
export async function firstRunWithCard(
  { user, sandbox }: Pick<E2eLaunch, 'user' | 'sandbox'>,
  register: { views?: boolean } = {},
): Promise<void> {
  const settings = await user.firstRun();
  await user.trustRoot(settings, await sandbox.rootPem());
  await settings.close();
  await user.registerCard(sandbox.urls.issuer, TEST_CARDS.approve, register);
}

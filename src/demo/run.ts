/**
 * The scripted demo (`setwallet demo`, and `npm start` on a machine with no display): a fresh
 * sandbox on free ports in a temporary folder, a real browser (headless) with the wallet's
 * production build, and the steps a newcomer would take, each SET/2 message printed as it passes:
 *
 *   1 first run   2 trust the sandbox root   3 register a test card on the issuer's page
 *   4 buy a mug and a book that ships later at the demo store with one click on Pay: the wallet
 *     signs the whole order, the gateway authorizes the mug's part   5 the merchant signs in to
 *     the store's back office with the link the sandbox printed, and captures that part
 *   6 check: the receipt exported from the wallet verifies (verifyPRes against the sandbox root),
 *     and the gateway's ledger (GET /api/transactions/<xid>) shows the capture
 *   7 the book ships: the merchant authorizes the rest with the AuthToken of the first AuthRes (a
 *     subsequent AuthReq, no PI) and captures it (split shipment)
 *   8 subscribe to the Coffee Club with one click on Pay, its plan shown before Pay
 *   9 a month later (the sandbox servers' clock moved ahead by the plan's interval, clock.ts): the
 *     merchant charges the next payment, a merchant-initiated AuthReq with the AuthToken, which
 *     the gateway holds to the signed terms.
 *
 * Whatever happens, the browser and the sandbox are stopped and the temporary folder removed; an
 * AbortSignal (Ctrl-C) ends the run at once the same way.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { formatAmount } from '../merchant/index.ts';
import { fromB64u, SetError, TrustStore, verifyPRes } from '../protocol/index.ts';
import { SandboxClock } from '../sandbox/clock.ts';
import { type RunningSandbox, startSandbox } from '../sandbox/sandbox.ts';
import { productById } from '../store/catalogue.ts';
import { STORE_TEXT } from '../store/text/index.ts';
import { RECEIPT_EXPORT_FORMAT, type ReceiptExport } from '../wallet/receipts.ts';
import { type BrowserName, launchBrowser, type UiPage, type WalletBrowser } from './browsers.ts';
import { keptRun } from './kept-run.ts';
import { loadMessages, type Messages } from './messages.ts';
import { sandboxClient, TEST_CARDS } from './sandbox-client.ts';
import { readableContent, stamp, Transcript, type TranscriptEntry } from './transcript.ts';
import { type Checkout, DEMO_PASSPHRASE, escapeRegExp, WalletUser, waitForOutcome } from './wallet.ts';

export interface DemoOptions {
  browser: BrowserName;
  /** Saves every SET/2 message here, one file each, named in order (`03-PReq.json`). */
  transcriptDir?: string;
  /** Saves the confirmation window and the receipt here as PNG files. */
  screenshotsDir?: string;
  /**
   * Keeps the run here (kept-run.ts): the sandbox's folder with every key in `sandbox/`, and the
   * transcript in `transcript/` (unless transcriptDir says elsewhere). A new or empty folder.
   */
  keepDir?: string;
  /** The test card to register and pay with (default 4111 1111 1111 1111, approved). */
  card?: string;
  /** Where the demo's lines go (default console.log). */
  print?: (line: string) => void;
  /** Aborting stops the run: the browser and the sandbox are closed, the temporary folder removed. */
  signal?: AbortSignal;
}

export interface DemoReport {
  ok: boolean;
  /** The step that failed (0: starting the sandbox and the browser). */
  failedStep?: number;
  /** Why, in words. */
  error?: string;
  /** The SET Error messages exchanged during the failed step. */
  setErrors?: string[];
  interrupted?: boolean;
  xid?: string;
  /** How many SET/2 messages passed. */
  messages: number;
  /** How many of them were AuthReqs (the purchases', and the merchant's later ones). */
  authReqs?: number;
  seconds: number;
}

export const STEPS = [
  'Start a fresh sandbox on free ports, and the browser with the wallet',
  'First run: create the wallet with a passphrase',
  'Trust the sandbox root (its SHA-256 fingerprint checked)',
  "Register a test card on the issuer's page",
  'Buy a mug and a book that ships later at the demo store, with one click on Pay',
  'The mug ships: the merchant captures its part',
  'Check the receipt in the wallet and the gateway ledger',
  'The book ships: the merchant authorizes the rest with the AuthToken, and captures it',
  'Subscribe to the Coffee Club with one click on Pay',
  'A month later: the shop charges the next payment of the subscription',
] as const;

/** The store's words, as the demo's English-speaking browser reads them. */
const WORDS = STORE_TEXT.en;
/** Today's order: a mug, and a book that ships (and is authorized and captured) later. */
const ORDER = [WORDS.productMugName, WORDS.productAnnotatedName];
const SUBSCRIPTION = WORDS.productCoffeeClubName;
/** The subscription's interval: how far the sandbox's clock moves for its next payment. */
const SUBSCRIPTION_DAYS = productById('coffee-club')!.subscription!.frequencyDays;
/** Any of the store's refusals of a merchant action, by its first words (before any placeholder). */
const STORE_PROBLEMS = Object.entries(WORDS)
  .filter(([key]) => key.startsWith('problem'))
  .map(([, text]) => text.split('{')[0]!.trim())
  .filter((text) => text.length >= 12);
export const SCREENSHOTS = { confirmation: 'confirmation-window.png', receipt: 'receipt.png' } as const;
/** The widths of the confirmation window (src/background/wallet-windows.ts) and the popup (theme.css). */
const CONFIRM_WIDTH = 440;
const POPUP_WIDTH = 360;

class Interrupted extends Error {}

/** A step failed for a reason the demo names (not a bug in the demo). */
class StepFailure extends Error {}

export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const card = (opts.card ?? TEST_CARDS.approve).replace(/\s+/g, '');
  const name = opts.browser === 'chromium' ? 'Chromium' : 'Firefox';
  const kept = opts.keepDir === undefined ? undefined : keptRun(opts.keepDir);
  const transcriptDir = opts.transcriptDir ? resolve(opts.transcriptDir) : kept?.transcript;
  const screenshotsDir = opts.screenshotsDir && resolve(opts.screenshotsDir);
  if (screenshotsDir) mkdirSync(screenshotsDir, { recursive: true });
  /** Once interrupted, what is still under way says nothing more. */
  let stopping = false;
  const progress = (line: string) => {
    if (!stopping) print(line);
  };
  const transcript = new Transcript(progress, transcriptDir, started);
  const tempRoot = mkdtempSync(join(tmpdir(), 'set-wallet-demo-'));
  const sandboxDir = kept?.sandbox ?? join(tempRoot, 'sandbox');
  const clock = new SandboxClock();

  let sandbox: RunningSandbox | undefined;
  let browser: WalletBrowser | undefined;
  let current = 0;
  let stepStart = 0;
  let xid: string | undefined;
  /** The sandbox and the browser starting (step 0), so that an interruption meanwhile still stops them. */
  let launching:
    | Promise<[PromiseSettledResult<RunningSandbox>, PromiseSettledResult<WalletBrowser>]>
    | undefined;

  const interrupted = new Promise<never>((_, reject) => {
    const abort = () => reject(new Interrupted('interrupted'));
    if (opts.signal?.aborted) abort();
    opts.signal?.addEventListener('abort', abort, { once: true });
  });
  interrupted.catch(() => {});
  /** Runs step `n`, printing its title and then its time; an interruption ends it at once. */
  const step = async <T>(n: number, fn: () => Promise<T>): Promise<T> => {
    current = n;
    stepStart = transcript.entries.length;
    print(`${stamp(seconds())} ${n} ${STEPS[n]}`);
    const t0 = seconds();
    const work = fn();
    work.catch(() => {});
    const result = await Promise.race([work, interrupted]);
    print(`${stamp(seconds())}   ✓ step ${n} done in ${(seconds() - t0).toFixed(1)} s`);
    return result;
  };
  const note = (line: string) => progress(`${stamp(seconds())}   ${line}`);
  const shoot = async (page: UiPage, file: string, width: number) => {
    if (!screenshotsDir) return;
    const path = join(screenshotsDir, file);
    await page.screenshot(path, width);
    note(`screenshot: ${shown(path)}`);
  };

  print(`SET Wallet demo in ${name} (headless), with the wallet's production build`);
  print(`  temporary folder ${tempRoot} (removed at the end)`);
  if (kept) print(`  the sandbox, keys included, kept in ${shown(kept.sandbox)}`);
  if (transcriptDir) print(`  transcript of every SET/2 message in ${shown(transcriptDir)}`);
  try {
    // 0: the sandbox and the browser, side by side.
    await step(0, async () => {
      transcript.issuerPeer = 'gateway';
      launching = Promise.allSettled([
        startSandbox({
          port: 0,
          dataDir: sandboxDir,
          log: (line) => note(line.replace(/^› /, '')),
          observe: transcript.observe,
          now: clock.now,
        }),
        launchBrowser(opts.browser, { tempDir: tempRoot, handleSignals: false }),
      ]);
      const [s, b] = await launching;
      // Keep whatever started, so that the end stops it even when the other failed.
      if (s.status === 'fulfilled') sandbox = s.value;
      if (b.status === 'fulfilled') browser = b.value;
      if (s.status === 'rejected') throw s.reason;
      if (b.status === 'rejected') throw new StepFailure(`${name} did not start: ${String(b.reason)}`);
      transcript.issuerPeer = 'wallet';
      if (transcriptDir) {
        // The root the transcript's chains end at: setwallet inspect FILE --roots DIR/root.pem.
        copyFileSync(join(s.value.dataDir, 'pki', 'root.pem'), join(transcriptDir, 'root.pem'));
      }
      const { issuer, gateway, store } = s.value.urls;
      note(`issuer site and CAs ${issuer}   payment gateway ${gateway}   demo store ${store}`);
      note(`${name} runs the wallet as ${b.value.extensionOrigin}`);
    });
    const s = sandbox!;
    const b = browser!;
    const client = sandboxClient(s.urls, s.operatorLinks.backOffice, s.gatewayOperatorToken);
    const m = loadMessages(b.extensionDir);
    const user = new WalletUser(b, m);

    const settings = await step(1, () => user.firstRun(DEMO_PASSPHRASE));

    await step(2, async () => {
      const { fingerprint } = await user.trustRoot(settings, await client.rootPem());
      note(`the wallet showed the root's SHA-256 fingerprint ${fingerprint.slice(0, 23)}…, and trusts it`);
      await settings.close();
    });

    await step(3, async () => {
      await user.registerCard(s.urls.issuer, card);
      note(`the wallet holds a cardholder certificate for ${user.cardName(card.slice(-4))}`);
    });

    const checkout: Checkout = await step(4, async () => {
      const c = await user.shop(s.urls.store, ORDER);
      note(`order ${c.orderId} at ${c.orderUrl} (${ORDER.join(', ')}): the wallet offers to pay`);
      const confirm = await user.startPayment(c, s.urls.store);
      await user.payReady(confirm);
      await shoot(confirm, SCREENSHOTS.confirmation, CONFIRM_WIDTH);
      note('one click on Pay');
      const result = await user.pay(confirm);
      if (result.status !== 'approved') {
        // What the merchant signed (a decline is a business result, not a SET error), and the window's words.
        const pres = transcript.last('PRes');
        const signed = pres && readableContent(pres.body)?.result;
        const reason = (signed as { reason?: string } | undefined)?.reason;
        throw new StepFailure(
          `the payment was ${result.status}${reason ? ` (${reason})` : ''}; the confirmation window says: ${resultWords(result.text, m)}`,
        );
      }
      const outcome = await waitForOutcome(c.page, ['approved', 'declined', 'failed', 'rejected']);
      xid = outcome.xid;
      note(
        `approved: XID ${xid}; the cardholder signed the whole order, the gateway authorized what ships now`,
      );
      await confirm.clickButton(m.t('closeButton'));
      await confirm.waitForClose();
      return c;
    });

    /**
     * The merchant's click on `button` on the order page open in `office`; the store's answer must
     * be `done`, else the step fails with what the page says.
     */
    const merchantDoes = async (office: UiPage, button: string | RegExp, done: string) => {
      await office.clickButton(button);
      const text = await office.waitForText(
        new RegExp([done, ...STORE_PROBLEMS].map((t) => escapeRegExp(t)).join('|')),
        30_000,
      );
      if (!text.includes(done)) {
        throw new StepFailure(`the store's order page says:\n${text.split('\n').slice(0, 8).join('\n')}`);
      }
      note(`the store says: ${done}`);
    };
    /** The merchant signs in to the back office with the link the sandbox printed, and opens an order. */
    const backOffice = async (office: UiPage | undefined, orderUrl: string): Promise<UiPage> => {
      if (office) await office.goto(s.operatorLinks.backOffice);
      const page = office ?? (await b.openPage(s.operatorLinks.backOffice));
      await page.waitForText(WORDS.backOfficeLede);
      note("signed in to the store's back office with the operator link the sandbox printed");
      await page.goto(orderUrl);
      await page.waitForText(WORDS.merchantHeading, 30_000);
      return page;
    };

    const office = await step(5, async () => {
      // The capture form is the merchant's alone: a tab of its own, signed in, on the paid order.
      const page = await backOffice(undefined, checkout.orderUrl);
      await merchantDoes(page, WORDS.captureButton, WORDS.doneCapture);
      return page;
    });

    await step(6, async () => {
      const popup = await user.openReceipt(xid!);
      await shoot(popup, SCREENSHOTS.receipt, POPUP_WIDTH);
      const exported = await user.exportReceipt(popup);
      await popup.close();
      note(`"Export JSON" in the popup saved the receipt (${exported.length.toLocaleString('en')} bytes)`);
      const doc = JSON.parse(exported) as ReceiptExport;
      if (doc.format !== RECEIPT_EXPORT_FORMAT)
        throw new StepFailure(`the export is not a ${RECEIPT_EXPORT_FORMAT} document`);
      const message = JSON.stringify(doc.message);
      const { content, merchant } = await verifyPRes(
        message,
        doc.verify.answers,
        fromB64u(doc.verify.merchantThumbprint),
        { trust: new TrustStore([s.root]), clock: { now: new Date() } },
      );
      if (content.transIds.xid !== xid)
        throw new StepFailure(`the receipt is for XID ${content.transIds.xid}`);
      if (content.result.status !== 'approved') {
        throw new StepFailure(`the receipt says ${content.result.status}, not approved`);
      }
      const sent = transcript.last('PRes');
      if (!sent || JSON.stringify(JSON.parse(sent.body)) !== message) {
        throw new StepFailure('the receipt is not the PRes the store sent');
      }
      note(
        `the receipt verifies: a PRes signed by ${merchant.chain[0]!.subject.commonName} (${merchant.chain
          .map((c) => c.subject.commonName)
          .slice(1)
          .join(
            ' › ',
          )}), approved, ${formatAmount(content.result.amount)}, auth code ${content.result.authCode}`,
      );
      const tx = await client.transaction(xid!);
      if (!tx) throw new StepFailure(`the gateway has no transaction ${xid}`);
      const capture = tx.events.find((e) => e.kind === 'capture');
      if (tx.captured.value <= 0 || !capture) {
        throw new StepFailure(
          `the gateway ledger shows no capture for ${xid}: state ${tx.state}, events ${tx.events
            .map((e) => `${e.kind} ${e.outcome}`)
            .join(', ')}`,
        );
      }
      note(
        `the gateway ledger: ${tx.state}, ${formatAmount(tx.captured)} captured of ${formatAmount(tx.authorized)} authorized (GET ${s.urls.gateway}/api/transactions/${xid})`,
      );
    });

    await step(7, async () => {
      // The book ships: what the cardholder signed and the gateway has not authorized yet.
      const rest = new RegExp(`^${escapeRegExp(WORDS.authorizeRestButton.split('{')[0]!)}`);
      await office.goto(checkout.orderUrl);
      await office.waitForText(WORDS.merchantHeading, 30_000);
      await merchantDoes(office, rest, WORDS.doneAuthorizeRest);
      const later = subsequentAuthReqs(transcript.entries).at(-1);
      if (!later) throw new StepFailure('no subsequent AuthReq passed to the gateway');
      note(
        `AuthReq #${later.n}: the store sent the AuthToken of the first AuthRes (SubsequentAuthInd), no PI: the cardholder is not asked again`,
      );
      await merchantDoes(office, WORDS.captureButton, WORDS.doneCapture);
      const tx = await client.transaction(xid!);
      if (!tx || tx.captured.value !== tx.requested.value || tx.authorized.value !== tx.requested.value) {
        throw new StepFailure(
          `the gateway ledger does not show the whole order authorized and captured: ${tx ? `${formatAmount(tx.authorized)} authorized, ${formatAmount(tx.captured)} captured of ${formatAmount(tx.requested)}` : `no transaction ${xid}`}`,
        );
      }
      note(
        `the gateway ledger: ${formatAmount(tx.captured)} captured in two parts, all the cardholder signed for and no more`,
      );
    });

    const subscription = await step(8, async () => {
      const c = await user.shop(s.urls.store, SUBSCRIPTION);
      note(`order ${c.orderId} at ${c.orderUrl} (${SUBSCRIPTION}): the wallet offers to pay`);
      const confirm = await user.startPayment(c, s.urls.store);
      const confirmText = await confirm.waitForText(m.t('confirmPlanHeading'));
      const terms = confirmText
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
      const at = terms.indexOf(m.t('confirmPlanHeading'));
      note(`before Pay, the wallet shows the plan: ${terms.slice(at + 1, at + 2).join(' ')}`);
      await user.payReady(confirm);
      note('one click on Pay');
      const result = await user.pay(confirm);
      if (result.status !== 'approved') {
        throw new StepFailure(
          `the payment was ${result.status}; the confirmation window says: ${resultWords(result.text, m)}`,
        );
      }
      const outcome = await waitForOutcome(c.page, ['approved', 'declined', 'failed', 'rejected']);
      if (!outcome.xid) throw new StepFailure('the wallet told the page no XID');
      note(`approved: XID ${outcome.xid}, the first payment; the plan is in the dual signature (HOD)`);
      await confirm.clickButton(m.t('closeButton'));
      await confirm.waitForClose();
      const tx = await client.transaction(outcome.xid);
      if (!tx) throw new StepFailure(`the gateway has no transaction ${outcome.xid}`);
      return { checkout: c, xid: outcome.xid, authorized: tx.authorized };
    });

    await step(9, async () => {
      clock.advanceDays(SUBSCRIPTION_DAYS);
      note(
        `the sandbox's servers' clock moves ${SUBSCRIPTION_DAYS} days ahead (the browser's stays): it is now ${clock.now().toISOString().slice(0, 10)} for the shop and the gateway, and the next payment is due`,
      );
      // A month later the merchant's back-office session has expired: it signs in again.
      await backOffice(office, subscription.checkout.orderUrl);
      const charge = new RegExp(`^${escapeRegExp(WORDS.chargeNextButton.split('(')[0]!.trim())}`);
      await merchantDoes(office, charge, WORDS.doneChargeNext);
      const later = subsequentAuthReqs(transcript.entries).at(-1);
      note(
        `AuthReq #${later?.n}: merchant-initiated, with the subscription's AuthToken; the gateway checked the signed terms (interval, end date, amount per payment)`,
      );
      const tx = await client.transaction(subscription.xid);
      if (!tx || tx.authorized.value <= subscription.authorized.value) {
        throw new StepFailure(
          `the gateway ledger does not show the second payment: ${tx ? `${formatAmount(tx.authorized)} authorized` : `no transaction ${subscription.xid}`}`,
        );
      }
      note(
        `the gateway ledger: ${formatAmount(tx.authorized)} authorized in two payments, ${formatAmount(tx.captured)} captured`,
      );
    });

    const authReqs = transcript.entries.filter((e) => e.type === 'AuthReq' && e.repeatOf === undefined);
    const later = subsequentAuthReqs(transcript.entries).length;
    print(
      `✓ The demo passed in ${seconds().toFixed(1)} s: ${transcript.entries.length} SET/2 messages, ${authReqs.length} AuthReqs (${authReqs.length - later} with the cardholder's PI, ${later} with an AuthToken); the receipt verifies, the order shipped in two parts, the subscription's second payment is charged.`,
    );
    if (transcriptDir) {
      const example = transcript.last('PReq')?.file ?? transcript.entries[0]?.file;
      if (example) {
        print(
          `  Inspect any message, e.g.: npx setwallet inspect ${shown(example)} --roots ${shown(join(transcriptDir, 'root.pem'))}`,
        );
      }
    }
    return {
      ok: true,
      messages: transcript.entries.length,
      authReqs: authReqs.length,
      seconds: seconds(),
      ...(xid ? { xid } : {}),
    };
  } catch (e) {
    const wasInterrupted = e instanceof Interrupted;
    stopping = wasInterrupted;
    const why = wasInterrupted ? 'interrupted' : describe(e);
    const setErrors = transcript.errorsSince(stepStart);
    if (wasInterrupted) print(`\n✗ Interrupted during step ${current} (${STEPS[current]}): stopping.`);
    else {
      print(`✗ Step ${current} failed (${STEPS[current]}): ${why}`);
      for (const se of setErrors) print(`  SET error: ${se}`);
      if (setErrors.length === 0) print('  No SET Error message was exchanged during this step.');
    }
    return {
      ok: false,
      failedStep: current,
      error: why,
      setErrors,
      interrupted: wasInterrupted,
      messages: transcript.entries.length,
      seconds: seconds(),
      ...(xid ? { xid } : {}),
    };
  } finally {
    if (launching) {
      const [s, b] = await launching;
      if (s.status === 'fulfilled') sandbox = s.value;
      if (b.status === 'fulfilled') browser = b.value;
    }
    await browser?.close().catch(() => {});
    await sandbox?.close().catch(() => {});
    rmSync(tempRoot, { recursive: true, force: true });
    print(`  ${browser ? `${name} and ` : ''}${sandbox ? 'the sandbox ' : ''}stopped; ${tempRoot} removed.`);
    if (kept && opts.keepDir) {
      print(
        `  Kept in ${shown(resolve(opts.keepDir))}: sandbox/ (every party's keys and certificates) and transcript/; the README's "Checking a run yourself" says how to check it with openssl.`,
      );
    }
  }
}

/**
 * The merchant-initiated AuthReqs of a transcript (SubsequentAuthInd: an AuthToken, no PI): those
 * whose body carries no baggage; repeats of the same bytes are counted once.
 */
export function subsequentAuthReqs(entries: readonly TranscriptEntry[]): TranscriptEntry[] {
  return entries.filter((e) => {
    if (e.type !== 'AuthReq' || e.repeatOf !== undefined) return false;
    try {
      const wire = JSON.parse(e.body) as { body?: { baggage?: unknown } };
      return wire.body?.baggage === undefined;
    } catch {
      return false;
    }
  });
}

/** The result part of the confirmation window's text, on one line, without its Close button. */
function resultWords(text: string, m: Messages): string {
  const heading = m.t('resultHeading');
  const at = text.lastIndexOf(heading);
  return (at >= 0 ? text.slice(at + heading.length) : text)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== m.t('closeButton'))
    .join(' ');
}

/** A path as short as it can be said from here: relative inside the working folder, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function describe(e: unknown): string {
  if (e instanceof SetError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

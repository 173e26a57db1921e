/**
 * What the background does around the wallet (src/wallet decides; this only connects it to the
 * browser): takes each runtime message's sender from the browser and hands the message to the
 * switchboard (src/wallet/switchboard.ts, one entry per request type), and implements the effects
 * its entries ask for (BackgroundEffects): badges tabs that declare an initiation, opens one
 * confirmation window per request, tells the page its outcome exactly once, rejects a request whose
 * window was closed, forgets a closed tab, and resumes payments a stopped service worker left
 * `paying`. entrypoints/background.ts wires browser events to it.
 *
 * A page opens a wallet window only by a deliberate act of the shopper (docs/security.md, "Hostile
 * page"): the content script must report a fresh gesture with transient user activation, the tab
 * must not have had a window in the last TAB_COOLDOWN_MS, and it must have no window or open
 * request already. Otherwise the page hears `awaitingShopper` (or `alreadyPending`), the toolbar
 * button is marked, and nothing takes focus. At an origin whose merchant certificate has not
 * verified yet in this session, the window first asks whether to go on: until then the page's
 * endpoint learns nothing about the cards (no PInitReq, so no brand and no BIN).
 */
import type { WalletErrorJson } from '../wallet/errors.ts';
import type { InitiationKind, InitiationSummary } from '../wallet/initiations.ts';
import type { BackgroundToContent, PageOutcome } from '../wallet/messages.ts';
import { type SessionArea, sessionGet } from '../wallet/platform.ts';
import { type PurchaseView, pageOutcomeOf } from '../wallet/purchase.ts';
import {
  answerContent,
  answerPage,
  type BackgroundEffects,
  type BackgroundEnv,
  type ContentSender,
  payThroughPage,
} from '../wallet/switchboard.ts';
import type { Wallet } from '../wallet/wallet.ts';
import type { WalletWindows } from './wallet-windows.ts';

/** runtime.MessageSender, the part the browser fills in (never the message). */
export interface SenderLike {
  id?: string | undefined;
  url?: string | undefined;
  origin?: string | undefined;
  frameId?: number | undefined;
  tab?: { id?: number | undefined; windowId?: number | undefined } | undefined;
}

export interface ActionApi {
  setBadgeText(details: { tabId: number; text: string }): Promise<void> | void;
  setBadgeBackgroundColor(details: { tabId: number; color: string }): Promise<void> | void;
  setTitle(details: { tabId: number; title: string }): Promise<void> | void;
}

export interface ShellDeps {
  wallet: Promise<Wallet>;
  env: BackgroundEnv;
  windows: WalletWindows;
  action: ActionApi;
  session: SessionArea;
  /** browser.runtime.id */
  extensionId: string;
  /** browser.runtime.getURL('/') */
  extensionOrigin: string;
  t(key: string, substitutions?: string | string[]): string;
  /** Date.now, replaceable in tests. */
  now?: () => number;
  /** setTimeout as a promise, replaceable in tests. */
  wait?: (ms: number) => Promise<void>;
}

const OUTCOME_SENT = 'ui.outcomeSent.';
/** Retries of an outcome the page's tab could not take at once (about 8 s in all). */
const OUTCOME_RETRY_MS = [250, 500, 1000, 2000, 4000];
/** When a page last had a wallet window opened or closed, per tab (ms since the epoch). */
const TAB_WINDOW_AT = 'ui.tabWindowAt.';
const OPEN_STATES: readonly PurchaseView['state'][] = ['initiated', 'awaitingConfirmation'];

/**
 * After a page's wallet window opens or closes (cancelled, closed, failed), the page cannot open
 * another for this long, whatever gestures it has: one click on a page that re-asks at once, or a
 * page that asks on every keystroke, gets at most one window per few seconds, and each needs a new
 * gesture on the page (the content script uses one gesture for one request). The shopper's own
 * toolbar button is never held back.
 */
export const TAB_COOLDOWN_MS = 3000;

export class BackgroundShell implements BackgroundEffects {
  /** A tab's page requests, one after the other: two at once must not both find the tab free. */
  private readonly tabRequests = new Map<number, Promise<unknown>>();
  /** Effects still running after their reply went (afterReply). */
  private readonly pending = new Set<Promise<void>>();
  /** Deliveries under way, by request: a second one for the same request waits for the first. */
  private readonly delivering = new Map<string, Promise<void>>();

  constructor(private readonly d: ShellDeps) {}

  /** runtime.onMessage: a Promise for the reply, or undefined for messages that are not ours. */
  onMessage(message: unknown, sender: SenderLike): Promise<unknown> | undefined {
    if (sender.id !== this.d.extensionId) return undefined;
    if (sender.url?.startsWith(this.d.extensionOrigin)) {
      const windowId = sender.tab?.windowId;
      return this.d.wallet.then((wallet) => answerPage(wallet, this, message, { windowId }));
    }
    const tabId = sender.tab?.id;
    if (tabId === undefined || tabId < 0 || sender.frameId !== 0 || !sender.url) return undefined;
    let origin: string;
    try {
      origin = sender.origin ?? new URL(sender.url).origin;
    } catch {
      return undefined;
    }
    if (origin === 'null') return undefined;
    const before = this.tabRequests.get(tabId) ?? Promise.resolve();
    const from: ContentSender = { tabId, origin };
    const run = before.then(() => this.d.wallet).then((wallet) => answerContent(wallet, this, message, from));
    const settled = run.catch(() => {});
    this.tabRequests.set(tabId, settled);
    void settled.then(() => {
      if (this.tabRequests.get(tabId) === settled) this.tabRequests.delete(tabId);
    });
    return run;
  }

  async onWindowRemoved(windowId: number): Promise<void> {
    const owner = await this.d.windows.released(windowId);
    if (!owner) return;
    const wallet = await this.d.wallet;
    if (owner.kind === 'register') {
      await this.noteTabWindow(owner.tabId);
      if (owner.registrationId) await wallet.registrations.cancel(owner.registrationId).catch(() => {});
      return;
    }
    if (owner.kind === 'ask') {
      await this.noteTabWindow(owner.tabId);
      // The shopper closed the question without going on: the page hears `rejected`.
      if (!owner.error) await this.tell(owner.tabId, { status: 'rejected' });
      return;
    }
    let view = await wallet.purchases.get(owner.requestId).catch(() => undefined);
    if (!view) return;
    await this.noteTabWindow(view.tabId);
    if (OPEN_STATES.includes(view.state)) {
      // Closing the window is the cardholder saying no: the page hears `rejected`.
      view = await wallet.purchases.cancel(owner.requestId).catch(() => view);
    }
    if (view) await this.deliver(view);
  }

  async onTabRemoved(tabId: number): Promise<void> {
    const wallet = await this.d.wallet;
    await wallet.initiations.forget(tabId);
    const open = await wallet.purchases.forTab(tabId);
    if (open && OPEN_STATES.includes(open.state)) {
      await wallet.purchases.cancel(open.requestId).catch(() => {});
      await this.d.windows.close({ kind: 'confirm', requestId: open.requestId });
    }
    await this.d.windows.close({ kind: 'register', tabId });
    await this.d.windows.close({ kind: 'ask', tabId });
    await this.d.session.remove(TAB_WINDOW_AT + tabId);
  }

  /** The tab started loading another document: what the old one declared is gone. */
  async onTabLoading(tabId: number): Promise<void> {
    const wallet = await this.d.wallet;
    await wallet.initiations.forget(tabId);
    await this.badge(tabId, undefined);
  }

  /**
   * A service worker starts: finish payments a stopped worker left `paying` (the same PReq bytes
   * are re-sent, so the merchant never sees a second payment) and tell pages outcomes they missed.
   * The background is the one owner of a payment under way (docs/architecture.md): the
   * confirmation window only watches it.
   */
  async resume(): Promise<void> {
    const wallet = await this.d.wallet;
    for (const view of await wallet.purchases.list()) {
      if (view.state === 'paying' && view.cardId) {
        void payThroughPage(wallet, this, view, view.cardId).then(
          (done) => this.deliver(done),
          () => {
            // Still `paying` (the page stayed away): the window offers Retry, or the next start resumes.
          },
        );
      } else {
        await this.deliver(view);
      }
    }
  }

  // BackgroundEffects: what the switchboard's entries ask for.

  sendToTab(tabId: number, message: BackgroundToContent): Promise<unknown> {
    return this.d.env.sendToTab(tabId, message);
  }

  /**
   * A page opens a wallet window only by the shopper's deliberate act: a fresh gesture, no window
   * in the tab's cool-down, nothing open for the tab already (a repeat never takes focus).
   */
  async admit(kind: InitiationKind, { tabId, origin }: ContentSender, gesture: boolean): Promise<boolean> {
    if (await this.tabBusy(tabId, kind)) {
      await this.tell(tabId, { status: 'alreadyPending' });
      return false;
    }
    if (!gesture || (await this.coolingDown(tabId))) {
      await this.markAsked(tabId, kind, origin);
      await this.tell(tabId, { status: 'awaitingShopper' });
      return false;
    }
    await this.noteTabWindow(tabId);
    return true;
  }

  openRegistration(tabId: number, focus: boolean): Promise<void> {
    return this.d.windows.openRegistration(tabId, focus);
  }

  openAsk(tabId: number): Promise<void> {
    return this.d.windows.openAsk(tabId);
  }

  /**
   * A request started: the tab's ask window it was started from now shows it, or it gets its own
   * window (also a failed request, so the cardholder sees why); the page hears it if it ended.
   */
  async show(view: PurchaseView, windowId?: number): Promise<void> {
    if (windowId === undefined || !(await this.d.windows.adopt(windowId, view.requestId))) {
      await this.d.windows.openConfirmation(view.requestId);
    }
    await this.deliver(view);
  }

  /**
   * The page asked (with a gesture, at a verified origin) and the wallet could not start: tell the
   * page, and show the cardholder why in the tab's one window. An open request is never focused.
   */
  async refuse(tabId: number, error: WalletErrorJson): Promise<void> {
    if (error.code === 'alreadyPending') {
      await this.tell(tabId, { status: 'alreadyPending' });
      return;
    }
    await this.tell(tabId, { status: 'failed', code: error.setCode ?? error.code });
    if (error.code !== 'badMessage') await this.d.windows.openConfirmationError(tabId, error);
  }

  focus(requestId: string): Promise<void> {
    return this.d.windows.openConfirmation(requestId);
  }

  answered(windowId: number): Promise<void> {
    return this.d.windows.answered(windowId);
  }

  noteRegistration(windowId: number, registrationId: string): Promise<void> {
    return this.d.windows.noteRegistration(windowId, registrationId);
  }

  wait(ms: number): Promise<void> {
    return this.d.wait ? this.d.wait(ms) : new Promise((r) => setTimeout(r, ms));
  }

  /** The tab already has a wallet window of this kind, or an open payment request. */
  private async tabBusy(tabId: number, kind: InitiationKind): Promise<boolean> {
    if (kind === 'registration') {
      return (await this.d.windows.windowOf({ kind: 'register', tabId })) !== undefined;
    }
    if ((await this.d.windows.windowOf({ kind: 'ask', tabId })) !== undefined) return true;
    const wallet = await this.d.wallet;
    return (await wallet.purchases.forTab(tabId).catch(() => undefined)) !== undefined;
  }

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  private async coolingDown(tabId: number): Promise<boolean> {
    const at = await sessionGet<number>(this.d.session, TAB_WINDOW_AT + tabId);
    return at !== undefined && this.now() - at < TAB_COOLDOWN_MS;
  }

  private async noteTabWindow(tabId: number): Promise<void> {
    await this.d.session.set({ [TAB_WINDOW_AT + tabId]: this.now() });
  }

  /** The page asked without a gesture: mark the toolbar button; the popup offers to review. */
  private async markAsked(tabId: number, kind: InitiationKind, origin: string) {
    const { action, t } = this.d;
    try {
      await action.setBadgeBackgroundColor({ tabId, color: '#b45309' });
      await action.setBadgeText({ tabId, text: t('badgeAsked') });
      await action.setTitle({
        tabId,
        title: t(kind === 'payment' ? 'actionTitleAskedPayment' : 'actionTitleAskedRegistration', origin),
      });
    } catch {
      // The tab closed meanwhile.
    }
  }

  async unmarkAsked(tabId: number): Promise<void> {
    const wallet = await this.d.wallet;
    const payment = await wallet.initiations.get(tabId, 'payment').catch(() => undefined);
    if (payment) {
      await this.badge(tabId, {
        kind: 'payment',
        origin: payment.origin,
        endpointUrl: payment.endpointUrl,
        brands: [],
      });
    }
  }

  afterReply(work: Promise<void>): void {
    const kept = work.catch(() => {
      // Told again by the next look at the request, or by the next start (resume).
    });
    this.pending.add(kept);
    void kept.then(() => this.pending.delete(kept));
  }

  /** Resolves once the effects still running after their replies have ended (tests). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /**
   * Tells the page a finished request's outcome, once; then drops the request unless a window
   * shows it. Deliveries of one request run one after the other, so two at once tell it once.
   */
  async deliver(view: PurchaseView): Promise<void> {
    const outcome = pageOutcomeOf(view);
    if (!outcome) return;
    const before = this.delivering.get(view.requestId) ?? Promise.resolve();
    const run = before.then(() => this.deliverOnce(view, outcome));
    const settled = run.catch(() => {});
    this.delivering.set(view.requestId, settled);
    void settled.then(() => {
      if (this.delivering.get(view.requestId) === settled) this.delivering.delete(view.requestId);
    });
    return run;
  }

  private async deliverOnce(view: PurchaseView, outcome: PageOutcome): Promise<void> {
    const key = OUTCOME_SENT + view.requestId;
    if (!(await sessionGet<boolean>(this.d.session, key))) {
      // Sent before it is marked: a worker stopped in between sends it twice rather than never.
      // A page between two documents (the shop reloads into its status view as the order's state
      // changes) has no content script for a moment: try again shortly rather than lose it.
      if (!(await this.tell(view.tabId, outcome))) void this.tellLater(view.tabId, outcome);
      await this.d.session.set({ [key]: true });
    }
    if ((await this.d.windows.windowOf({ kind: 'confirm', requestId: view.requestId })) === undefined) {
      const wallet = await this.d.wallet;
      await wallet.purchases.forget(view.requestId).catch(() => {});
      await this.d.session.remove(key);
    }
  }

  /** Tells the page; false when nothing there took it (the tab is gone, or between documents). */
  async tell(tabId: number, outcome: PageOutcome): Promise<boolean> {
    return this.d.env.sendToTab(tabId, { type: 'outcome', outcome }).then(
      () => true,
      () => false,
    );
  }

  private async tellLater(tabId: number, outcome: PageOutcome): Promise<void> {
    for (const ms of OUTCOME_RETRY_MS) {
      await this.wait(ms);
      if (await this.tell(tabId, outcome)) return;
    }
  }

  async badge(tabId: number, initiation: InitiationSummary | undefined): Promise<void> {
    const { action, t } = this.d;
    try {
      if (!initiation) {
        await action.setBadgeText({ tabId, text: '' });
        await action.setTitle({ tabId, title: t('extName') });
        return;
      }
      const payment = initiation.kind === 'payment';
      await action.setBadgeBackgroundColor({ tabId, color: payment ? '#1d4ed8' : '#047857' });
      await action.setBadgeText({ tabId, text: t(payment ? 'badgePayment' : 'badgeRegistration') });
      await action.setTitle({
        tabId,
        title: t(payment ? 'actionTitlePayment' : 'actionTitleRegistration', initiation.origin),
      });
    } catch {
      // The tab closed meanwhile.
    }
  }
}

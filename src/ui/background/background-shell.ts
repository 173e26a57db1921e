/**
 * What the background does around the wallet (src/wallet decides; this only connects it to the
 * browser): routes runtime messages by their browser-reported sender, badges tabs that declare an
 * initiation, opens one confirmation window per request, tells the page the outcome exactly once,
 * rejects a request whose window was closed, forgets a closed tab, and resumes payments a stopped
 * service worker left `paying`. entrypoints/background.ts wires browser events to it.
 */
import * as v from 'valibot';
import {
  type BackgroundEnv,
  handleContentMessage,
  handleUiRequest,
  type Reply,
} from '../../wallet/background.ts';
import { pageTransport } from '../../wallet/exchange.ts';
import type { Wallet } from '../../wallet/index.ts';
import type { InitiationSummary } from '../../wallet/initiations.ts';
import type { PageOutcome } from '../../wallet/messages.ts';
import { type SessionArea, sessionGet } from '../../wallet/platform.ts';
import { type PurchaseView, pageOutcomeOf } from '../../wallet/purchase.ts';
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
}

/** Requests a wallet page makes of the background itself (not of the wallet). */
export const ShellRequest = v.variant('type', [
  v.strictObject({
    type: v.literal('shell.openRegistration'),
    tabId: v.pipe(v.number(), v.integer(), v.minValue(0)),
  }),
]);

const OUTCOME_SENT = 'ui.outcomeSent.';
const OPEN_STATES: readonly PurchaseView['state'][] = ['initiated', 'awaitingConfirmation'];

export class BackgroundShell {
  constructor(private readonly d: ShellDeps) {}

  /** runtime.onMessage: a Promise for the reply, or undefined for messages that are not ours. */
  onMessage(message: unknown, sender: SenderLike): Promise<unknown> | undefined {
    if (sender.id !== this.d.extensionId) return undefined;
    if (sender.url?.startsWith(this.d.extensionOrigin)) return this.fromWalletPage(message, sender);
    const tabId = sender.tab?.id;
    if (tabId === undefined || tabId < 0 || sender.frameId !== 0 || !sender.url) return undefined;
    let origin: string;
    try {
      origin = sender.origin ?? new URL(sender.url).origin;
    } catch {
      return undefined;
    }
    if (origin === 'null') return undefined;
    return this.fromContentScript(message, tabId, origin);
  }

  async onWindowRemoved(windowId: number): Promise<void> {
    const owner = await this.d.windows.released(windowId);
    if (!owner) return;
    const wallet = await this.d.wallet;
    if (owner.kind === 'register') {
      if (owner.registrationId) await wallet.registrations.cancel(owner.registrationId).catch(() => {});
      return;
    }
    let view = await wallet.purchases.get(owner.requestId).catch(() => undefined);
    if (!view) return;
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
   */
  async resume(): Promise<void> {
    const wallet = await this.d.wallet;
    for (const view of await wallet.purchases.list()) {
      if (view.state === 'paying' && view.cardId) {
        const send = pageTransport(this.d.env.sendToTab, view.tabId, view.endpointUrl);
        void wallet.purchases.pay(view.requestId, view.cardId, send).then(
          (done) => this.deliver(done),
          () => {
            // Still `paying` (the page is away): the confirmation window retries, or the next start.
          },
        );
      } else {
        await this.deliver(view);
      }
    }
  }

  private async fromContentScript(message: unknown, tabId: number, origin: string) {
    const wallet = await this.d.wallet;
    const reply = await handleContentMessage(wallet, message, { tabId, origin }, this.d.env);
    const type = (message as { type?: unknown } | null)?.type;
    if (reply.ok) {
      const value = reply.value as { initiation: InitiationSummary; purchase?: PurchaseView };
      if (type === 'initiationFound') await this.badge(tabId, value.initiation);
      if (value.purchase) await this.started(value.purchase);
      if (type === 'requestRegistration') await this.d.windows.openRegistration(tabId);
    } else if (type === 'requestPayment' || type === 'requestRegistration') {
      await this.refused(tabId, reply, type === 'requestPayment');
    }
    // The content script learns only whether it worked: never the purchase view (it lists cards).
    return { ok: reply.ok };
  }

  private async fromWalletPage(message: unknown, sender: SenderLike): Promise<unknown> {
    const shell = v.safeParse(ShellRequest, message);
    if (shell.success) {
      await this.d.windows.openRegistration(shell.output.tabId);
      return { ok: true, value: null };
    }
    const wallet = await this.d.wallet;
    const reply = await handleUiRequest(wallet, message, this.d.env);
    const type = (message as { type?: unknown } | null)?.type;
    if (reply.ok) {
      const value = reply.value as PurchaseView & { registrationId?: string };
      if (type === 'purchase.start') await this.started(value);
      if (type === 'purchase.pay' || type === 'purchase.cancel' || type === 'purchase.get') {
        await this.deliver(value);
      }
      const windowId = sender.tab?.windowId;
      if (type === 'registration.start' && windowId !== undefined && value.registrationId) {
        await this.d.windows.noteRegistration(windowId, value.registrationId);
      }
    } else if (type === 'purchase.start' && reply.error.code === 'alreadyPending') {
      await this.focusPending(reply.error.params.requestId);
    }
    return reply;
  }

  /** A request started: show it (also a failure, so the cardholder sees why), and tell the page if it ended. */
  private async started(view: PurchaseView): Promise<void> {
    await this.d.windows.openConfirmation(view.requestId);
    await this.deliver(view);
  }

  /** The page asked and the wallet could not start: tell the page, and show the cardholder why. */
  private async refused(tabId: number, reply: Extract<Reply<unknown>, { ok: false }>, payment: boolean) {
    const { error } = reply;
    if (error.code === 'alreadyPending') {
      await this.tell(tabId, { status: 'alreadyPending' });
      await this.focusPending(error.params.requestId);
      return;
    }
    await this.tell(tabId, { status: 'failed', code: error.setCode ?? error.code });
    if (payment && error.code !== 'badMessage') await this.d.windows.openConfirmationError(error);
  }

  private async focusPending(requestId: string | number | undefined) {
    if (typeof requestId === 'string') await this.d.windows.openConfirmation(requestId);
  }

  /** Tells the page a finished request's outcome, once; then drops the request unless a window shows it. */
  private async deliver(view: PurchaseView): Promise<void> {
    const outcome = pageOutcomeOf(view);
    if (!outcome) return;
    const key = OUTCOME_SENT + view.requestId;
    if (!(await sessionGet<boolean>(this.d.session, key))) {
      // Sent before it is marked: a worker stopped in between sends it twice rather than never.
      await this.tell(view.tabId, outcome);
      await this.d.session.set({ [key]: true });
    }
    if ((await this.d.windows.windowOf({ kind: 'confirm', requestId: view.requestId })) === undefined) {
      const wallet = await this.d.wallet;
      await wallet.purchases.forget(view.requestId).catch(() => {});
      await this.d.session.remove(key);
    }
  }

  private async tell(tabId: number, outcome: PageOutcome): Promise<void> {
    await this.d.env.sendToTab(tabId, { type: 'outcome', outcome }).catch(() => {
      // The tab is gone or has no content script: nobody to tell.
    });
  }

  private async badge(tabId: number, initiation: InitiationSummary | undefined): Promise<void> {
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

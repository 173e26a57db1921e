/**
 * The background's switchboard: one table, SWITCHBOARD, with one entry for every request a content
 * script or a wallet page sends the background, keyed by the request's `type` (its schema is that
 * type's option in messages.ts: ContentToBackground or UiRequest). An entry says
 *
 *   from     who may send it: a tab's content script (`content`) or a wallet page (`page`);
 *   handle   what the wallet does with the parsed request (its decisions live in the wallet's
 *            capabilities; the handler finds what they need, such as the page transport of a tab);
 *   effect   what follows in the browser once the wallet answered (open a window, tell the page,
 *            badge the tab), given the typed reply. Effects go through BackgroundEffects, which
 *            src/background implements with the browser's windows, action and tabs APIs.
 *
 * Every message is parsed against the schemas of its sender's context before anything else; the
 * sender's tab and origin come from the browser (src/background reads runtime.MessageSender), never
 * from the message; every failure becomes a WalletErrorJson reply, never a throw. A content script
 * hears only whether its request worked, never a purchase view (it lists cards).
 */
import { toWalletError, type WalletErrorJson, walletError } from './errors.ts';
import { directTransport, pageTransport, type Send } from './exchange.ts';
import type { FoundInitiation, InitiationKind, InitiationSummary } from './initiations.ts';
import {
  type BackgroundToContent,
  type ContentRequestType,
  ContentToBackground,
  type PageOutcome,
  parseMessage,
  UiRequest,
  type UiRequestType,
} from './messages.ts';
import type { PurchaseView } from './purchase.ts';
import type { Wallet } from './wallet.ts';

export interface BackgroundEnv {
  /** `(tabId, message) => browser.tabs.sendMessage(tabId, message)` */
  sendToTab(tabId: number, message: BackgroundToContent): Promise<unknown>;
}

/** A content script's sender as the browser reports it (runtime.MessageSender): tab id and origin. */
export interface ContentSender {
  tabId: number;
  origin: string;
}

/** A wallet page's sender: the window it runs in, when it is one of the wallet's own windows. */
export interface PageSender {
  windowId: number | undefined;
}

/** What the background does in the browser around the wallet: src/background implements it. */
export interface BackgroundEffects extends BackgroundEnv {
  /** Marks the tab's toolbar button for what the tab declares (undefined: nothing). */
  badge(tabId: number, initiation: InitiationSummary | undefined): Promise<void>;
  /** Tells the page an outcome; false when nothing there took it. */
  tell(tabId: number, outcome: PageOutcome): Promise<boolean>;
  /**
   * A page asks for a wallet window: true when one may open now (a fresh gesture, no cool-down,
   * nothing open for the tab); otherwise the page has been told why and the toolbar is marked.
   */
  admit(kind: InitiationKind, sender: ContentSender, gesture: boolean): Promise<boolean>;
  /** Opens the tab's registration window; an open one comes forward only when `focus`. */
  openRegistration(tabId: number, focus: boolean): Promise<void>;
  /** The page asked to pay at an origin not verified yet: a window that asks the shopper first. */
  openAsk(tabId: number): Promise<void>;
  /**
   * A request started: the window `windowId` shows it when it is the tab's ask window, else it gets
   * a confirmation window; the page hears the outcome if it already ended.
   */
  show(view: PurchaseView, windowId?: number): Promise<void>;
  /** A request asked by a page could not start: the page hears why, and a window shows it. */
  refuse(tabId: number, error: WalletErrorJson): Promise<void>;
  /** Brings forward the confirmation window of an open request. */
  focus(requestId: string): Promise<void>;
  /** Tells the page a finished request's outcome, once. */
  deliver(view: PurchaseView): Promise<void>;
  /** The shopper acted in the wallet: the toolbar's "asked" mark goes. */
  unmarkAsked(tabId: number): Promise<void>;
  /** The ask window `windowId` now shows why its request could not start. */
  answered(windowId: number): Promise<void>;
  /** The registration window `windowId` runs `registrationId`: closing it ends the registration. */
  noteRegistration(windowId: number, registrationId: string): Promise<void>;
  /** Resolves after `ms` (setTimeout; a test's own clock). */
  wait(ms: number): Promise<void>;
  /**
   * Keeps `work` (an entry's effect that runs once its reply has gone) going, and its failure from
   * reaching anyone. Without it the effect runs before the reply, as every other effect does.
   */
  afterReply?(work: Promise<void>): void;
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: WalletErrorJson };

async function reply<T>(fn: () => Promise<T>): Promise<Reply<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, error: toWalletError(e).toJSON() };
  }
}

interface Context<S> {
  wallet: Wallet;
  effects: BackgroundEffects;
  sender: S;
}
export type ContentContext = Context<ContentSender>;
export type PageContext = Context<PageSender>;

type ContentRequest<K extends ContentRequestType> = Extract<ContentToBackground, { type: K }>;
type PageRequest<K extends UiRequestType> = Extract<UiRequest, { type: K }>;

export interface ContentEntry<R, V> {
  readonly from: 'content';
  handle(c: ContentContext, request: R): Promise<V>;
  effect?(c: ContentContext, request: R, reply: Reply<V>): Promise<void>;
  /** Whether the content script hears `ok: true` (by default: the handler did not fail). */
  worked?(reply: Reply<V>): boolean;
}

export interface PageEntry<R, V> {
  readonly from: 'page';
  handle(c: PageContext, request: R): Promise<V>;
  effect?(c: PageContext, request: R, reply: Reply<V>): Promise<void>;
  /**
   * The effect follows the reply rather than holding it (BackgroundEffects.afterReply): for what
   * the window need not wait for, such as telling the page the outcome of a payment it shows.
   */
  effectAfterReply?: boolean;
}

const content = <R, V>(entry: Omit<ContentEntry<R, V>, 'from'>): ContentEntry<R, V> => ({
  from: 'content',
  ...entry,
});
const page = <R, V>(entry: Omit<PageEntry<R, V>, 'from'>): PageEntry<R, V> => ({ from: 'page', ...entry });

/** Each finished purchase view a page request returns is delivered to its page (once). */
const deliverView = async ({ effects }: PageContext, _r: unknown, answer: Reply<PurchaseView>) => {
  if (answer.ok) await effects.deliver(answer.value);
};

async function declared(wallet: Wallet, tabId: number, kind: InitiationKind): Promise<FoundInitiation> {
  const i = await wallet.initiations.get(tabId, kind);
  if (!i) return walletError('noInitiation', `this tab declares no ${kind} initiation`);
  return i;
}

function toTab(effects: BackgroundEffects, tabId: number | undefined, url: string): Send {
  if (tabId === undefined) return walletError('noInitiation', 'the page this started from is unknown');
  return pageTransport((id, message) => effects.sendToTab(id, message), tabId, url);
}

/** The background's own POST to a SET endpoint kept with a receipt, a card or a registration. */
function direct(wallet: Wallet, url: string): Send {
  return directTransport(wallet.platform.fetch ?? globalThis.fetch.bind(globalThis), url);
}

/** Re-sends of a payment whose page transport failed (the page was between two documents). */
export const PAY_RETRY_MS = [800, 1600, 3200];

/**
 * Sends a payment through its tab's page, and the same PReq bytes again after a transport failure
 * (purchase.ts makes every send after the first one a re-send). The background owns a payment
 * once the shopper chose Pay: the shopper's Pay and a service worker resuming a payment left
 * `paying` both come here, and the confirmation window only watches (src/ui/confirm-flow.ts).
 */
export async function payThroughPage(
  wallet: Wallet,
  effects: BackgroundEffects,
  request: Pick<PurchaseView, 'requestId' | 'tabId' | 'endpointUrl'>,
  cardId: string,
  opts: { unsigned?: boolean; before?: Promise<unknown> } = {},
): Promise<PurchaseView> {
  const toPage = toTab(effects, request.tabId, request.endpointUrl);
  // What must reach the page before anything is sent through it (the shopper's `paying`): it
  // travels while the PReq is built, and the first send waits for it.
  const before = opts.before;
  const send: Send =
    before !== undefined
      ? async (wire) => {
          await before;
          return toPage(wire);
        }
      : toPage;
  const payOpts = opts.unsigned ? { unsigned: true } : {};
  for (let attempt = 0; ; attempt++) {
    try {
      return await wallet.purchases.pay(request.requestId, cardId, send, payOpts);
    } catch (e) {
      const delay = PAY_RETRY_MS[attempt];
      if (toWalletError(e).code !== 'transport' || delay === undefined) throw e;
      await effects.wait(delay);
    }
  }
}

/**
 * A page's request for a wallet window: keep (and check) what the tab declares, as an
 * initiationFound would, and badge the tab; then the background decides whether a window may
 * open. Undefined when not (the page has been told why).
 */
async function pageAsks(
  { wallet, effects, sender }: ContentContext,
  kind: InitiationKind,
  request: { initiation: string; gesture: boolean },
): Promise<InitiationSummary | undefined> {
  let summary: InitiationSummary;
  try {
    summary = await wallet.initiations.found({ ...sender, kind, text: request.initiation });
  } catch (e) {
    const error = toWalletError(e).toJSON();
    await effects.tell(sender.tabId, { status: 'failed', code: error.setCode ?? error.code });
    return undefined;
  }
  await effects.badge(sender.tabId, summary);
  return (await effects.admit(kind, sender, request.gesture)) ? summary : undefined;
}

/** What a page's request for a window led to. */
type Asked = { opened: false } | { opened: true; purchase?: PurchaseView };

/** The one table: every request type of messages.ts, exactly once (tests/unit/background-switchboard.test.ts). */
export const SWITCHBOARD = {
  // A content script found an initiation in its page (on load or inserted later): badge the tab.
  initiationFound: content({
    handle: ({ wallet, sender }, r: ContentRequest<'initiationFound'>) =>
      wallet.initiations.found({ ...sender, kind: r.kind, text: r.initiation }),
    effect: async ({ effects, sender }, _r, answer) => {
      if (answer.ok) await effects.badge(sender.tabId, answer.value);
    },
  }),
  // The page asked to pay (set-wallet:request-payment). Nothing about the cards goes to an origin
  // not verified yet before the shopper says to go on (the ask window).
  requestPayment: content({
    handle: async (c, r: ContentRequest<'requestPayment'>): Promise<Asked> => {
      const summary = await pageAsks(c, 'payment', r);
      if (!summary) return { opened: false };
      const { wallet, effects, sender } = c;
      if (!(await wallet.purchases.knowsOrigin(sender.origin))) {
        await effects.openAsk(sender.tabId);
        return { opened: true };
      }
      const purchase = await wallet.purchases.start(
        { tabId: sender.tabId, tabOrigin: sender.origin, initiation: r.initiation },
        toTab(effects, sender.tabId, summary.endpointUrl),
      );
      return { opened: true, purchase };
    },
    effect: async ({ effects, sender }, _r, answer) => {
      if (!answer.ok) await effects.refuse(sender.tabId, answer.error);
      else if (answer.value.opened && answer.value.purchase) await effects.show(answer.value.purchase);
    },
    worked: (answer) => answer.ok && answer.value.opened,
  }),
  // The page asked to register a card (set-wallet:request-registration).
  requestRegistration: content({
    handle: async (c, r: ContentRequest<'requestRegistration'>): Promise<Asked> => {
      if (!(await pageAsks(c, 'registration', r))) return { opened: false };
      await c.effects.openRegistration(c.sender.tabId, false);
      return { opened: true };
    },
    worked: (answer) => answer.ok && answer.value.opened,
  }),

  'vault.status': page({ handle: ({ wallet }) => wallet.vault.status() }),
  'vault.create': page({
    handle: ({ wallet }, r: PageRequest<'vault.create'>) => wallet.vault.create(r.passphrase),
  }),
  'vault.unlock': page({
    handle: ({ wallet }, r: PageRequest<'vault.unlock'>) => wallet.vault.unlock(r.passphrase),
  }),
  'vault.lock': page({ handle: ({ wallet }) => wallet.vault.lock() }),
  'vault.touch': page({ handle: ({ wallet }) => wallet.vault.touch() }),
  'vault.changePassphrase': page({
    handle: ({ wallet }, r: PageRequest<'vault.changePassphrase'>) =>
      wallet.vault.changePassphrase(r.oldPassphrase, r.newPassphrase),
  }),
  'vault.exportBackup': page({ handle: ({ wallet }) => wallet.exportBackup() }),
  'vault.restoreBackup': page({
    handle: ({ wallet }, r: PageRequest<'vault.restoreBackup'>) => wallet.restoreBackup(r.file, r.passphrase),
  }),
  'settings.get': page({ handle: ({ wallet }) => wallet.settings.get() }),
  'settings.setIdleMinutes': page({
    handle: ({ wallet }, r: PageRequest<'settings.setIdleMinutes'>) =>
      wallet.settings.setIdleMinutes(r.minutes),
  }),
  'roots.list': page({ handle: ({ wallet }) => wallet.roots.list() }),
  'roots.propose': page({
    handle: ({ wallet }, r: PageRequest<'roots.propose'>) => wallet.roots.propose(r.pem),
  }),
  'roots.confirm': page({
    handle: ({ wallet }, r: PageRequest<'roots.confirm'>) => wallet.roots.confirm(r.fingerprint),
  }),
  'roots.remove': page({
    handle: ({ wallet }, r: PageRequest<'roots.remove'>) => wallet.roots.remove(r.fingerprint),
  }),
  'cards.list': page({ handle: ({ wallet }) => wallet.cards.list() }),
  'cards.setDefault': page({
    handle: ({ wallet }, r: PageRequest<'cards.setDefault'>) => wallet.cards.setDefault(r.cardId),
  }),
  'cards.remove': page({
    handle: ({ wallet }, r: PageRequest<'cards.remove'>) => wallet.cards.remove(r.cardId),
  }),
  // Renewal asks the CCA the card was registered with directly: no issuer page need be open.
  'cards.renew': page({
    handle: ({ wallet }, r: PageRequest<'cards.renew'>) =>
      wallet.registrations.renew(r.cardId, (url) => direct(wallet, url)),
  }),

  'registration.openWindow': page({
    handle: async ({ effects }, r: PageRequest<'registration.openWindow'>) => {
      await effects.openRegistration(r.tabId, true);
      return null;
    },
  }),
  // The registration window starts from the initiation its tab declared; closing the window ends it.
  'registration.start': page({
    handle: async ({ wallet, effects }, r: PageRequest<'registration.start'>) => {
      const i = await declared(wallet, r.tabId, 'registration');
      return wallet.registrations.start(
        { initiation: i.text, origin: i.origin, tabId: r.tabId },
        toTab(effects, r.tabId, i.endpointUrl),
      );
    },
    effect: async ({ effects, sender }, _r, answer) => {
      if (answer.ok && sender.windowId !== undefined) {
        await effects.noteRegistration(sender.windowId, answer.value.registrationId);
      }
    },
  }),
  'registration.get': page({
    handle: ({ wallet }, r: PageRequest<'registration.get'>) => wallet.registrations.get(r.registrationId),
  }),
  'registration.enterCard': page({
    handle: async ({ wallet, effects }, r: PageRequest<'registration.enterCard'>) => {
      const v = await wallet.registrations.get(r.registrationId);
      return wallet.registrations.enterCard(
        r.registrationId,
        { pan: r.pan, expiry: r.expiry },
        toTab(effects, v.tabId, v.endpointUrl),
      );
    },
  }),
  'registration.submit': page({
    handle: async ({ wallet, effects }, r: PageRequest<'registration.submit'>) => {
      const v = await wallet.registrations.get(r.registrationId);
      return wallet.registrations.submit(r.registrationId, r.answers, toTab(effects, v.tabId, v.endpointUrl));
    },
  }),
  'registration.cancel': page({
    handle: ({ wallet }, r: PageRequest<'registration.cancel'>) =>
      wallet.registrations.cancel(r.registrationId),
  }),
  // "Check again" for a pending registration, asked at its CCA directly (its page may be closed).
  'registration.inquire': page({
    handle: async ({ wallet }, r: PageRequest<'registration.inquire'>) =>
      wallet.registrations.inquire(
        r.registrationId,
        direct(wallet, await wallet.registrations.endpointOf(r.registrationId)),
      ),
  }),
  'registration.pending': page({ handle: ({ wallet }) => wallet.registrations.pending() }),
  'initiations.forTab': page({
    handle: async ({ wallet }, r: PageRequest<'initiations.forTab'>) => {
      const brief = (i: FoundInitiation | undefined) =>
        i ? { kind: i.kind, origin: i.origin, endpointUrl: i.endpointUrl } : undefined;
      return {
        payment: brief(await wallet.initiations.get(r.tabId, 'payment')),
        registration: brief(await wallet.initiations.get(r.tabId, 'registration')),
      };
    },
  }),
  // The popup's "Pay at <origin>", or "Continue" in the tab's ask window: the shopper's own act.
  'purchase.start': page({
    handle: async ({ wallet, effects }, r: PageRequest<'purchase.start'>) => {
      const i = await declared(wallet, r.tabId, 'payment');
      return wallet.purchases.start(
        { tabId: r.tabId, tabOrigin: i.origin, initiation: i.text },
        toTab(effects, r.tabId, i.endpointUrl),
      );
    },
    effect: async ({ effects, sender }, r, answer) => {
      if (answer.ok) {
        await effects.unmarkAsked(r.tabId);
        await effects.show(answer.value, sender.windowId);
        return;
      }
      const { error } = answer;
      if (error.code === 'alreadyPending') {
        // Bringing the open request forward is what the shopper asked for.
        const { requestId } = error.params;
        if (typeof requestId === 'string') await effects.focus(requestId);
        return;
      }
      await effects.unmarkAsked(r.tabId);
      if (error.code === 'badMessage') return;
      // Could not start after the shopper chose to go on: the page hears that it failed (once: the
      // ask window, which shows why, no longer stands for an unanswered question).
      await effects.tell(r.tabId, { status: 'failed', code: error.setCode ?? error.code });
      if (sender.windowId !== undefined) await effects.answered(sender.windowId);
    },
  }),
  'purchase.get': page({
    handle: ({ wallet }, r: PageRequest<'purchase.get'>) => wallet.purchases.get(r.requestId),
    effect: deliverView,
  }),
  'purchase.forTab': page({
    handle: ({ wallet }, r: PageRequest<'purchase.forTab'>) => wallet.purchases.forTab(r.tabId),
  }),
  // The shopper chose Pay: the page hears `paying` (progress, not an outcome) before the wallet
  // sends the PReq through it (told while the PReq is built; the send waits for it). Only for a
  // request still awaiting confirmation, so a repeated Pay or a resumed payment says nothing twice:
  // what the page learns is what its endpoint learns next.
  'purchase.pay': page({
    handle: async ({ wallet, effects }, r: PageRequest<'purchase.pay'>) => {
      const target = await wallet.purchases.target(r.requestId);
      const before =
        target.state === 'awaitingConfirmation'
          ? effects.tell(target.tabId, { status: 'paying' })
          : undefined;
      return payThroughPage(wallet, effects, target, r.cardId, {
        ...(r.unsigned ? { unsigned: true } : {}),
        ...(before ? { before } : {}),
      });
    },
    // The window shows the verified outcome at once; the page hears it right after.
    effect: deliverView,
    effectAfterReply: true,
  }),
  'purchase.cancel': page({
    handle: ({ wallet }, r: PageRequest<'purchase.cancel'>) => wallet.purchases.cancel(r.requestId),
    effect: deliverView,
  }),
  'receipts.list': page({
    handle: ({ wallet }, r: PageRequest<'receipts.list'>) => wallet.receipts.list(r.cardId),
  }),
  // The shopper opened a receipt: the background asks the merchant itself (not through a page),
  // at the endpoint kept with the receipt; only a fully verified InqRes changes it.
  'receipts.refresh': page({
    handle: ({ wallet }, r: PageRequest<'receipts.refresh'>) =>
      wallet.purchases.refreshReceipt(r.receiptId, (url) => direct(wallet, url)),
  }),
  'receipts.get': page({
    handle: ({ wallet }, r: PageRequest<'receipts.get'>) => wallet.receipts.get(r.receiptId),
  }),
  'receipts.export': page({
    handle: ({ wallet }, r: PageRequest<'receipts.export'>) => wallet.receipts.exportJson(r.receiptId),
  }),
} satisfies {
  [K in ContentRequestType]: ContentEntry<ContentRequest<K>, unknown>;
} & {
  [K in UiRequestType]: PageEntry<PageRequest<K>, unknown>;
};

type Switchboard = typeof SWITCHBOARD;
type ValueOf<E> = E extends { handle(...args: never[]): Promise<infer V> } ? V : never;

/** What each UiRequest answers with, for typed callers in the UI. */
export type UiValue<K extends UiRequestType> = ValueOf<Switchboard[K]>;

const contentTable: { [K in ContentRequestType]: ContentEntry<ContentRequest<K>, ValueOf<Switchboard[K]>> } =
  SWITCHBOARD;
const pageTable: { [K in UiRequestType]: PageEntry<PageRequest<K>, UiValue<K>> } = SWITCHBOARD;

async function runContent<K extends ContentRequestType>(
  c: ContentContext,
  type: K,
  request: ContentRequest<K>,
): Promise<{ ok: boolean }> {
  const entry = contentTable[type];
  const answer = await reply(() => entry.handle(c, request));
  await entry.effect?.(c, request, answer);
  return { ok: entry.worked ? entry.worked(answer) : answer.ok };
}

async function runPage<K extends UiRequestType>(
  c: PageContext,
  type: K,
  request: PageRequest<K>,
): Promise<Reply<UiValue<K>>> {
  const entry = pageTable[type];
  const answer = await reply(async () => {
    await c.wallet.vault.touch();
    return entry.handle(c, request);
  });
  if (entry.effect && entry.effectAfterReply && c.effects.afterReply) {
    c.effects.afterReply(entry.effect(c, request, answer));
  } else {
    await entry.effect?.(c, request, answer);
  }
  return answer;
}

/**
 * A content script's message (the background has checked that it comes from a tab's top frame
 * and taken the tab and origin from the browser). The content script hears only `{ ok }`.
 */
export async function answerContent(
  wallet: Wallet,
  effects: BackgroundEffects,
  raw: unknown,
  sender: ContentSender,
): Promise<{ ok: boolean }> {
  let request: ContentToBackground;
  try {
    request = parseMessage(ContentToBackground, raw);
  } catch {
    return { ok: false };
  }
  return runContent({ wallet, effects, sender }, request.type, request);
}

/**
 * A wallet page's request (the background has checked that it comes from the extension's own
 * pages). Any request counts as user activity and postpones the auto-lock.
 */
export async function answerPage(
  wallet: Wallet,
  effects: BackgroundEffects,
  raw: unknown,
  sender: PageSender,
): Promise<Reply<unknown>> {
  let request: UiRequest;
  try {
    request = parseMessage(UiRequest, raw);
  } catch (e) {
    return { ok: false, error: toWalletError(e).toJSON() };
  }
  return runPage({ wallet, effects, sender }, request.type, request);
}

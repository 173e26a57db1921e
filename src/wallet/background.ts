/**
 * The background's message handling, so that entrypoints/background.ts only wires browser events
 * to it: every message is parsed against its schema (messages.ts) first, the sender's tab and
 * origin come from the browser, and every failure becomes a WalletErrorJson reply, never a throw.
 *
 *   runtime.onMessage from a content script  → handleContentMessage(wallet, message, sender, env)
 *   runtime.onMessage from a wallet page     → handleUiRequest(wallet, message, env)
 *   alarms.onAlarm                           → wallet.onAlarm(alarm.name)
 *   tabs.onRemoved / navigation              → wallet.initiations.forget(tabId), cancel its request
 */
import { toWalletError, type WalletErrorJson, walletError } from './errors.ts';
import { pageTransport, type Send } from './exchange.ts';
import type { Wallet } from './index.ts';
import type { FoundInitiation, InitiationKind } from './initiations.ts';
import {
  type BackgroundToContent,
  ContentToBackground,
  parseMessage,
  UiRequest,
  type UiRequestType,
} from './messages.ts';

export interface BackgroundEnv {
  /** `(tabId, message) => browser.tabs.sendMessage(tabId, message)` */
  sendToTab(tabId: number, message: BackgroundToContent): Promise<unknown>;
}

/** The message's sender as the browser reports it (runtime.MessageSender): tab id and origin. */
export interface ContentSender {
  tabId: number;
  origin: string;
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: WalletErrorJson };

async function reply<T>(fn: () => Promise<T>): Promise<Reply<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, error: toWalletError(e).toJSON() };
  }
}

/**
 * A content script's message. `initiationFound` keeps the initiation (badge the tab when ok);
 * `requestPayment` starts a checkout (open the confirmation window for the returned requestId,
 * or tell the page the outcome when it already failed); `requestRegistration` keeps the
 * initiation (open the registration page for the tab).
 */
export function handleContentMessage(
  wallet: Wallet,
  raw: unknown,
  sender: ContentSender,
  env: BackgroundEnv,
) {
  return reply(async () => {
    const msg = parseMessage(ContentToBackground, raw);
    const kind: InitiationKind =
      msg.type === 'initiationFound' ? msg.kind : msg.type === 'requestPayment' ? 'payment' : 'registration';
    const summary = await wallet.initiations.found({ ...sender, kind, text: msg.initiation });
    if (msg.type !== 'requestPayment') return { initiation: summary };
    const purchase = await wallet.purchases.start(
      { tabId: sender.tabId, tabOrigin: sender.origin, initiation: msg.initiation },
      pageTransport(env.sendToTab, sender.tabId, summary.endpointUrl),
    );
    return { initiation: summary, purchase };
  });
}

function uiHandlers(wallet: Wallet, env: BackgroundEnv) {
  const { vault, settings, roots, cards, registrations, purchases, receipts, initiations } = wallet;
  const found = async (tabId: number, kind: InitiationKind) => {
    const i = await initiations.get(tabId, kind);
    if (!i) return walletError('noInitiation', `this tab declares no ${kind} initiation`);
    return i;
  };
  const toTab = (tabId: number | undefined, url: string): Send => {
    if (tabId === undefined) return walletError('noInitiation', 'the page this started from is unknown');
    return pageTransport(env.sendToTab, tabId, url);
  };
  type Req<K extends UiRequestType> = Extract<UiRequest, { type: K }>;
  return {
    'vault.status': () => vault.status(),
    'vault.create': (r: Req<'vault.create'>) => vault.create(r.passphrase),
    'vault.unlock': (r: Req<'vault.unlock'>) => vault.unlock(r.passphrase),
    'vault.lock': () => vault.lock(),
    'vault.touch': () => vault.touch(),
    'vault.changePassphrase': (r: Req<'vault.changePassphrase'>) =>
      vault.changePassphrase(r.oldPassphrase, r.newPassphrase),
    'vault.exportBackup': () => wallet.exportBackup(),
    'vault.restoreBackup': (r: Req<'vault.restoreBackup'>) => wallet.restoreBackup(r.file, r.passphrase),
    'settings.get': () => settings.get(),
    'settings.setIdleMinutes': (r: Req<'settings.setIdleMinutes'>) => settings.setIdleMinutes(r.minutes),
    'roots.list': () => roots.list(),
    'roots.propose': (r: Req<'roots.propose'>) => roots.propose(r.pem),
    'roots.confirm': (r: Req<'roots.confirm'>) => roots.confirm(r.fingerprint),
    'roots.remove': (r: Req<'roots.remove'>) => roots.remove(r.fingerprint),
    'cards.list': () => cards.list(),
    'cards.setDefault': (r: Req<'cards.setDefault'>) => cards.setDefault(r.cardId),
    'cards.remove': (r: Req<'cards.remove'>) => cards.remove(r.cardId),
    'registration.start': async (r: Req<'registration.start'>) => {
      const i = await found(r.tabId, 'registration');
      return registrations.start(
        { initiation: i.text, origin: i.origin, tabId: r.tabId },
        toTab(r.tabId, i.endpointUrl),
      );
    },
    'registration.get': (r: Req<'registration.get'>) => registrations.get(r.registrationId),
    'registration.enterCard': async (r: Req<'registration.enterCard'>) => {
      const v = await registrations.get(r.registrationId);
      return registrations.enterCard(
        r.registrationId,
        { pan: r.pan, expiry: r.expiry },
        toTab(v.tabId, v.endpointUrl),
      );
    },
    'registration.submit': async (r: Req<'registration.submit'>) => {
      const v = await registrations.get(r.registrationId);
      return registrations.submit(r.registrationId, r.answers, toTab(v.tabId, v.endpointUrl));
    },
    'registration.cancel': (r: Req<'registration.cancel'>) => registrations.cancel(r.registrationId),
    'initiations.forTab': async (r: Req<'initiations.forTab'>) => {
      const brief = (i: FoundInitiation | undefined) =>
        i ? { kind: i.kind, origin: i.origin, endpointUrl: i.endpointUrl } : undefined;
      return {
        payment: brief(await initiations.get(r.tabId, 'payment')),
        registration: brief(await initiations.get(r.tabId, 'registration')),
      };
    },
    'purchase.start': async (r: Req<'purchase.start'>) => {
      const i = await found(r.tabId, 'payment');
      return purchases.start(
        { tabId: r.tabId, tabOrigin: i.origin, initiation: i.text },
        toTab(r.tabId, i.endpointUrl),
      );
    },
    'purchase.get': (r: Req<'purchase.get'>) => purchases.get(r.requestId),
    'purchase.forTab': (r: Req<'purchase.forTab'>) => purchases.forTab(r.tabId),
    'purchase.pay': async (r: Req<'purchase.pay'>) => {
      const v = await purchases.get(r.requestId);
      return purchases.pay(r.requestId, r.cardId, toTab(v.tabId, v.endpointUrl));
    },
    'purchase.cancel': (r: Req<'purchase.cancel'>) => purchases.cancel(r.requestId),
    'receipts.list': () => receipts.list(),
    'receipts.get': (r: Req<'receipts.get'>) => receipts.get(r.receiptId),
    'receipts.export': (r: Req<'receipts.export'>) => receipts.exportJson(r.receiptId),
  } satisfies { [K in UiRequestType]: (r: Req<K>) => Promise<unknown> };
}

/** What each UiRequest answers with, for typed callers in the UI. */
export type UiValue<K extends UiRequestType> = Awaited<ReturnType<ReturnType<typeof uiHandlers>[K]>>;

/**
 * A request from a wallet page (popup, confirmation, options). Any request counts as user
 * activity and postpones the auto-lock. Check first that the sender is the extension itself
 * (sender.id === browser.runtime.id and sender.url under the extension's origin).
 */
export function handleUiRequest(wallet: Wallet, raw: unknown, env: BackgroundEnv): Promise<Reply<unknown>> {
  return reply(async () => {
    const req = parseMessage(UiRequest, raw);
    await wallet.vault.touch();
    const handler = uiHandlers(wallet, env)[req.type] as (r: UiRequest) => Promise<unknown>;
    return handler(req);
  });
}

// The background's wiring (src/background): a page's identity comes from the browser's sender,
// never the message; the content script never receives the purchase view; one confirmation window
// per request; closing it rejects the request and the page hears `rejected` exactly once; a closed
// tab cancels its request; a restarted worker finishes a payment left `paying`. And a page opens a
// window only by the shopper's deliberate act (issue 8 item 2): a fresh gesture the content script
// vouches for, no window or request already (a repeat never takes focus), a cool-down per tab, and
// at an origin not verified yet a question first, before anything about the cards leaves.
import { describe, expect, it } from 'vitest';
import { BackgroundShell, type SenderLike, TAB_COOLDOWN_MS } from '../../src/background/background-shell.ts';
import { WalletWindows, type WindowsApi } from '../../src/background/wallet-windows.ts';
import { type Wallet, WalletError } from '../../src/wallet/index.ts';
import type { BackgroundToContent } from '../../src/wallet/messages.ts';
import type { PurchaseView } from '../../src/wallet/purchase.ts';
import { paymentInitiation } from '../support/initiations.ts';
import { memorySession } from '../support/memory-session.ts';

const EXT = 'wallet-extension-id';
const EXT_ORIGIN = 'chrome-extension://wallet-extension-id/';
const SHOP = 'https://shop.example';
const INITIATION = paymentInitiation();

const view = (state: PurchaseView['state'], extra: Partial<PurchaseView> = {}): PurchaseView => ({
  requestId: 'R1',
  tabId: 7,
  tabOrigin: SHOP,
  endpointUrl: `${SHOP}/set`,
  state,
  ...extra,
});
const DONE = view('done', {
  cardId: 'C1',
  receipt: {
    id: 'X1',
    xid: 'X1',
    status: 'approved',
    authCode: 'ABC123',
  } as PurchaseView['receipt'],
});

function setup(
  purchase: {
    start?: () => Promise<PurchaseView>;
    list?: PurchaseView[];
    knows?: boolean;
    /** Holds every outcome but `paying` on its way to the page until it resolves. */
    outcomesHeld?: Promise<void>;
  } = {},
) {
  const calls: string[] = [];
  let clock = 1_000_000;
  const found: unknown[] = [];
  let current: PurchaseView = view('awaitingConfirmation');
  /** A request exists once started (or when a restarted worker finds it). */
  let started = (purchase.list ?? []).length > 0;
  const wallet = {
    vault: { touch: async () => {}, status: async () => ({ exists: true, unlocked: true }) },
    initiations: {
      found: async (p: { tabId: number; origin: string; kind: string; text: string }) => {
        found.push(p);
        return { kind: p.kind, origin: p.origin, endpointUrl: `${p.origin}/set`, brands: ['SETPay'] };
      },
      get: async (tabId: number, kind: string) =>
        kind === 'payment'
          ? { kind, tabId, origin: SHOP, text: INITIATION, endpointUrl: `${SHOP}/set` }
          : undefined,
      forget: async (tabId: number) => void calls.push(`initiations.forget ${tabId}`),
    },
    purchases: {
      knowsOrigin: async () => purchase.knows ?? true,
      start: async () => {
        calls.push('purchases.start');
        if (purchase.start) current = await purchase.start();
        else current = view('awaitingConfirmation');
        started = true;
        return current;
      },
      get: async () => current,
      target: async () => current,
      forTab: async () =>
        started && ['initiated', 'awaitingConfirmation', 'paying'].includes(current.state)
          ? current
          : undefined,
      cancel: async () => {
        calls.push('purchases.cancel');
        current = view('rejected');
        return current;
      },
      pay: async (requestId: string, cardId: string, send: (wire: string) => Promise<string>) => {
        calls.push(`purchases.pay ${requestId} ${cardId}`);
        await send('{"PReq":1}');
        current = DONE;
        return current;
      },
      list: async () => purchase.list ?? [],
      forget: async (id: string) => void calls.push(`purchases.forget ${id}`),
    },
    registrations: { cancel: async () => {} },
  } as unknown as Wallet;

  const toTabs: { tabId: number; message: BackgroundToContent }[] = [];
  const windowCalls: string[] = [];
  let nextWindow = 100;
  const windowsApi: WindowsApi = {
    create: async (o) => {
      windowCalls.push(`create ${o.url}`);
      return { id: nextWindow++ };
    },
    update: async (id, o) => void windowCalls.push(o.focused ? `focus ${id}` : `update ${id}`),
    remove: async (id) => void windowCalls.push(`remove ${id}`),
  };
  const badges: string[] = [];
  const session = memorySession();
  const shell = new BackgroundShell({
    wallet: Promise.resolve(wallet),
    env: {
      sendToTab: async (tabId, message) => {
        if (message.type === 'outcome' && message.outcome.status !== 'paying') await purchase.outcomesHeld;
        toTabs.push({ tabId, message });
        return message.type === 'transportRequest' ? { ok: true, status: 200, body: '{}' } : true;
      },
    },
    windows: new WalletWindows(session, windowsApi, (path) => `${EXT_ORIGIN}${path.slice(1)}`),
    action: {
      setBadgeText: ({ text }) => void badges.push(text),
      setBadgeBackgroundColor: () => {},
      setTitle: () => {},
    },
    session,
    extensionId: EXT,
    extensionOrigin: EXT_ORIGIN,
    t: (key, subs) => (subs ? `${key}(${subs})` : key),
    now: () => clock,
  });
  const outcomes = () => toTabs.filter((m) => m.message.type === 'outcome').map((m) => m.message);
  const advance = (ms: number) => {
    clock += ms;
  };
  return { shell, calls, found, toTabs, windowCalls, badges, outcomes, advance };
}

const PAY = { type: 'requestPayment', initiation: INITIATION, gesture: true };
const PAY_NO_GESTURE = { ...PAY, gesture: false };

const page: SenderLike = { id: EXT, url: `${SHOP}/checkout?o=1`, tab: { id: 7, windowId: 1 }, frameId: 0 };
const walletPage: SenderLike = { id: EXT, url: `${EXT_ORIGIN}popup.html`, frameId: 0 };

describe('background shell', () => {
  it('takes the page origin from the sender, badges the tab, and tells the content script only ok', async () => {
    const s = setup();
    const reply = await s.shell.onMessage(
      { type: 'initiationFound', kind: 'payment', initiation: INITIATION },
      page,
    );
    expect(reply).toEqual({ ok: true });
    expect(s.found).toEqual([{ tabId: 7, origin: SHOP, kind: 'payment', text: INITIATION }]);
    expect(s.badges).toEqual(['badgePayment']);
  });

  it('refuses a message that names its own origin, and ignores strangers and sub-frames', async () => {
    const s = setup();
    const claim = {
      type: 'initiationFound',
      kind: 'payment',
      initiation: INITIATION,
      origin: 'https://bank.example',
    };
    expect(await s.shell.onMessage(claim, page)).toEqual({ ok: false });
    expect(s.found).toEqual([]);
    expect(
      s.shell.onMessage({ type: 'initiationFound' }, { ...page, id: 'another-extension' }),
    ).toBeUndefined();
    expect(s.shell.onMessage({ type: 'initiationFound' }, { ...page, frameId: 3 })).toBeUndefined();
    expect(
      s.shell.onMessage({ type: 'initiationFound' }, { ...page, url: 'data:text/html,hi' }),
    ).toBeUndefined();
  });

  it('opens one confirmation window per request, and never hands the content script the purchase view', async () => {
    const s = setup();
    const reply = await s.shell.onMessage(PAY, page);
    expect(reply).toEqual({ ok: true });
    expect(s.windowCalls).toEqual([`create ${EXT_ORIGIN}confirm.html?request=R1`]);
    // The same request again (the popup's "Pay at"): the window comes forward instead.
    await s.shell.onMessage({ type: 'purchase.start', tabId: 7 }, walletPage);
    expect(s.windowCalls).toEqual([`create ${EXT_ORIGIN}confirm.html?request=R1`, 'focus 100']);
  });

  it('answers a repeat request from the tab with alreadyPending and never takes focus', async () => {
    const s = setup();
    await s.shell.onMessage(PAY, page);
    for (let i = 0; i < 5; i++) {
      s.advance(TAB_COOLDOWN_MS);
      expect(await s.shell.onMessage(PAY, page)).toEqual({ ok: false });
    }
    expect(s.outcomes()).toEqual(Array(5).fill({ type: 'outcome', outcome: { status: 'alreadyPending' } }));
    expect(s.windowCalls).toEqual([`create ${EXT_ORIGIN}confirm.html?request=R1`]);
    expect(s.calls.filter((c) => c === 'purchases.start')).toHaveLength(1);
  });

  it('two requests from a tab at once open one window', async () => {
    for (const knows of [true, false]) {
      const s = setup({ knows });
      const replies = await Promise.all([1, 2, 3].map(() => s.shell.onMessage(PAY, page)));
      expect(replies).toEqual([{ ok: true }, { ok: false }, { ok: false }]);
      expect(s.windowCalls).toHaveLength(1);
      expect(s.outcomes()).toEqual(Array(2).fill({ type: 'outcome', outcome: { status: 'alreadyPending' } }));
    }
  });

  it('opens nothing for a request without a gesture: the page hears awaitingShopper, the toolbar is marked', async () => {
    const s = setup();
    // A message with any other field (a page's claim of activation) is refused by its schema.
    expect(await s.shell.onMessage({ ...PAY_NO_GESTURE, userActivation: true }, page)).toEqual({ ok: false });
    expect(await s.shell.onMessage(PAY_NO_GESTURE, page)).toEqual({ ok: false });
    expect(s.windowCalls).toEqual([]);
    expect(s.calls).not.toContain('purchases.start');
    expect(s.badges.at(-1)).toBe('badgeAsked');
    expect(s.outcomes()).toEqual([{ type: 'outcome', outcome: { status: 'awaitingShopper' } }]);
    // The shopper clicks the toolbar button and "Review the payment": that is the deliberate act.
    await s.shell.onMessage({ type: 'purchase.start', tabId: 7 }, walletPage);
    expect(s.windowCalls).toEqual([`create ${EXT_ORIGIN}confirm.html?request=R1`]);
    expect(s.badges.at(-1)).toBe('badgePayment');
  });

  it('asks first at an origin not verified yet: no PInitReq (no brand, no BIN) before the shopper goes on', async () => {
    const s = setup({ knows: false });
    expect(await s.shell.onMessage(PAY, page)).toEqual({ ok: true });
    expect(s.windowCalls).toEqual([`create ${EXT_ORIGIN}confirm.html?tab=7`]);
    expect(s.calls).not.toContain('purchases.start');
    expect(s.toTabs).toEqual([]);
    // Again while the question is open: alreadyPending, no focus, no second window.
    s.advance(TAB_COOLDOWN_MS);
    await s.shell.onMessage(PAY, page);
    expect(s.outcomes()).toEqual([{ type: 'outcome', outcome: { status: 'alreadyPending' } }]);
    // Continue in that window: the request starts, and the same window shows it.
    const askWindow: SenderLike = {
      ...walletPage,
      url: `${EXT_ORIGIN}confirm.html?tab=7`,
      tab: { windowId: 100 },
    };
    await s.shell.onMessage({ type: 'purchase.start', tabId: 7 }, askWindow);
    expect(s.calls).toContain('purchases.start');
    expect(s.windowCalls).toEqual([`create ${EXT_ORIGIN}confirm.html?tab=7`]);
    // Closing it now rejects the request it shows.
    await s.shell.onWindowRemoved(100);
    expect(s.calls).toContain('purchases.cancel');
    expect(s.outcomes().at(-1)).toEqual({ type: 'outcome', outcome: { status: 'rejected' } });
  });

  it('closing the question rejects; a start that fails after Continue is told to the page once', async () => {
    const s = setup({
      knows: false,
      start: async () => {
        throw new WalletError('noCards', 'register a card first');
      },
    });
    await s.shell.onMessage(PAY, page);
    await s.shell.onWindowRemoved(100);
    expect(s.outcomes()).toEqual([{ type: 'outcome', outcome: { status: 'rejected' } }]);
    s.advance(TAB_COOLDOWN_MS);
    await s.shell.onMessage(PAY, page);
    const askWindow: SenderLike = {
      ...walletPage,
      url: `${EXT_ORIGIN}confirm.html?tab=7`,
      tab: { windowId: 101 },
    };
    await s.shell.onMessage({ type: 'purchase.start', tabId: 7 }, askWindow);
    await s.shell.onWindowRemoved(101);
    expect(s.outcomes().slice(1)).toEqual([
      { type: 'outcome', outcome: { status: 'failed', code: 'noCards' } },
    ]);
  });

  it('a page cannot open windows in a loop: after each window a cool-down, and each needs a new gesture', async () => {
    const s = setup();
    await s.shell.onMessage(PAY, page);
    await s.shell.onWindowRemoved(100);
    // At once, gesture or not: only the toolbar mark.
    await s.shell.onMessage(PAY, page);
    s.advance(TAB_COOLDOWN_MS - 1);
    await s.shell.onMessage(PAY, page);
    expect(s.windowCalls).toEqual([`create ${EXT_ORIGIN}confirm.html?request=R1`]);
    expect(s.outcomes().slice(1)).toEqual([
      { type: 'outcome', outcome: { status: 'awaitingShopper' } },
      { type: 'outcome', outcome: { status: 'awaitingShopper' } },
    ]);
    // After the cool-down, still no window without a gesture; with one, a window.
    s.advance(1);
    await s.shell.onMessage(PAY_NO_GESTURE, page);
    expect(s.windowCalls).toHaveLength(1);
    await s.shell.onMessage(PAY, page);
    expect(s.windowCalls).toHaveLength(2);
    // Another tab is not held back by this one.
    const other = { ...page, tab: { id: 8, windowId: 1 } };
    await s.shell.onWindowRemoved(101);
    await s.shell.onMessage(PAY, other);
    expect(s.windowCalls).toHaveLength(3);
  });

  it('a registration window opens only with a gesture, once per tab, never refocused by the page', async () => {
    const s = setup();
    const REG = { type: 'requestRegistration', initiation: INITIATION, gesture: false };
    await s.shell.onMessage(REG, page);
    expect(s.windowCalls).toEqual([]);
    expect(s.outcomes()).toEqual([{ type: 'outcome', outcome: { status: 'awaitingShopper' } }]);
    await s.shell.onMessage({ ...REG, gesture: true }, page);
    expect(s.windowCalls).toEqual([`create ${EXT_ORIGIN}register.html?tab=7`]);
    s.advance(TAB_COOLDOWN_MS);
    await s.shell.onMessage({ ...REG, gesture: true }, page);
    expect(s.windowCalls).toHaveLength(1);
    expect(s.outcomes().at(-1)).toEqual({ type: 'outcome', outcome: { status: 'alreadyPending' } });
  });

  it('the popup’s "Register a card here" opens the tab’s registration window, and brings it forward after', async () => {
    const s = setup();
    const open = { type: 'registration.openWindow', tabId: 7 };
    expect(await s.shell.onMessage(open, walletPage)).toEqual({ ok: true, value: null });
    expect(await s.shell.onMessage(open, walletPage)).toEqual({ ok: true, value: null });
    expect(s.windowCalls).toEqual([`create ${EXT_ORIGIN}register.html?tab=7`, 'focus 100']);
    // From a page of the tab itself, the same message is nothing the content script may send.
    expect(await s.shell.onMessage(open, page)).toEqual({ ok: false });
    expect(s.windowCalls).toHaveLength(2);
  });

  it('rejects the request when its window is closed, and tells the page once', async () => {
    const s = setup();
    await s.shell.onMessage(PAY, page);
    await s.shell.onWindowRemoved(100);
    await s.shell.onWindowRemoved(100);
    expect(s.calls).toContain('purchases.cancel');
    expect(s.outcomes()).toEqual([{ type: 'outcome', outcome: { status: 'rejected' } }]);
    expect(s.calls).toContain('purchases.forget R1');
  });

  it('a request that cannot start shows why in a window and tells the page', async () => {
    const s = setup({
      start: async () => {
        throw new WalletError('noCards', 'register a card first');
      },
    });
    await s.shell.onMessage(PAY, page);
    expect(s.outcomes()).toEqual([{ type: 'outcome', outcome: { status: 'failed', code: 'noCards' } }]);
    expect(s.windowCalls[0]).toMatch(
      /^create chrome-extension:\/\/wallet-extension-id\/confirm\.html\?error=/,
    );
    // That window is the tab's one window: asking again meanwhile opens nothing more.
    s.advance(TAB_COOLDOWN_MS);
    await s.shell.onMessage(PAY, page);
    expect(s.windowCalls).toHaveLength(1);
    expect(s.outcomes().at(-1)).toEqual({ type: 'outcome', outcome: { status: 'alreadyPending' } });
  });

  it('tells the page paying when the shopper chooses Pay, then the outcome once, however often the window asks', async () => {
    const s = setup();
    await s.shell.onMessage(PAY, page);
    await s.shell.onMessage({ type: 'purchase.pay', requestId: 'R1', cardId: 'C1' }, walletPage);
    await s.shell.onMessage({ type: 'purchase.pay', requestId: 'R1', cardId: 'C1' }, walletPage);
    await s.shell.onMessage({ type: 'purchase.get', requestId: 'R1' }, walletPage);
    // The outcome follows the window's reply (afterReply): wait for it, not for a time.
    await s.shell.settled();
    expect(s.outcomes()).toEqual([
      { type: 'outcome', outcome: { status: 'paying' } },
      { type: 'outcome', outcome: { status: 'approved', xid: 'X1' } },
    ]);
    // paying is told before the PReq goes through the page.
    const types = s.toTabs.map((m) =>
      m.message.type === 'outcome' ? m.message.outcome.status : m.message.type,
    );
    expect(types.indexOf('paying')).toBeLessThan(types.indexOf('transportRequest'));
  });

  it('answers the window’s Pay with the verified outcome without waiting for the page to hear it', async () => {
    let release = () => {};
    const s = setup({ outcomesHeld: new Promise<void>((r) => (release = r)) });
    await s.shell.onMessage(PAY, page);
    const reply = await s.shell.onMessage(
      { type: 'purchase.pay', requestId: 'R1', cardId: 'C1' },
      walletPage,
    );
    expect(reply).toMatchObject({ ok: true, value: { state: 'done' } });
    // The page has heard `paying` (before the PReq went through it), not yet the outcome.
    expect(s.outcomes()).toEqual([{ type: 'outcome', outcome: { status: 'paying' } }]);
    release();
    await s.shell.settled();
    expect(s.outcomes().at(-1)).toEqual({ type: 'outcome', outcome: { status: 'approved', xid: 'X1' } });
  });

  it('cancels the open request of a closed tab and closes its window', async () => {
    const s = setup();
    await s.shell.onMessage(PAY, page);
    await s.shell.onTabRemoved(7);
    expect(s.calls).toEqual(expect.arrayContaining(['initiations.forget 7', 'purchases.cancel']));
    expect(s.windowCalls).toContain('remove 100');
  });

  it('finishes a payment a stopped worker left paying, through the page transport', async () => {
    const s = setup({ list: [view('paying', { cardId: 'C1' })] });
    await s.shell.resume();
    await new Promise((r) => setTimeout(r, 0));
    expect(s.calls).toContain('purchases.pay R1 C1');
    expect(s.toTabs[0]).toEqual({
      tabId: 7,
      message: { type: 'transportRequest', url: `${SHOP}/set`, body: '{"PReq":1}' },
    });
    expect(s.outcomes()).toEqual([{ type: 'outcome', outcome: { status: 'approved', xid: 'X1' } }]);
  });
});

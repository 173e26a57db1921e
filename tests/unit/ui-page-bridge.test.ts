// The content script's bridge (src/content/page-bridge.ts) with a fake document and window: the
// page only asks (its event detail must be empty), the wallet announces itself only where an
// initiation is declared, outcomes reach the page only in the PageOutcome shape, and the transport
// refuses other origins.
import { describe, expect, it } from 'vitest';
import { type PageBridgeDeps, READY_EVENT, startPageBridge } from '../../src/content/page-bridge.ts';
import type { FetchLike } from '../../src/content/page-transport.ts';
import { PAYMENT_INITIATION_TYPE } from '../../src/protocol/initiation.ts';
import { type ContentToBackground, PAGE_EVENTS, type PageOutcome } from '../../src/wallet/messages.ts';
import { paymentInitiation } from '../support/initiations.ts';

const SHOP = 'https://shop.example';
const INITIATION = paymentInitiation();

/** Input events the fake browser marks as the user's own (a page cannot make an Event trusted). */
const trusted = new WeakSet<Event>();

function setup(initially: string[] = [INITIATION]) {
  const texts = [...initially];
  const attributes = new Map<string, string>();
  const window = new EventTarget();
  const sent: ContentToBackground[] = [];
  const outcomes: PageOutcome[] = [];
  const fetched: string[] = [];
  let ready = 0;
  let onChange = () => {};
  const activation = { isActive: false };
  window.addEventListener(PAGE_EVENTS.outcome, (e) => outcomes.push((e as CustomEvent).detail));
  window.addEventListener(READY_EVENT, () => ready++);
  const fetchFn: FetchLike = async (url) => {
    fetched.push(url);
    return new Response('{"reply":true}', { status: 200 });
  };
  const deps: PageBridgeDeps = {
    document: {
      querySelectorAll: (selector: string) =>
        selector.includes(PAYMENT_INITIATION_TYPE) ? texts.map((textContent) => ({ textContent })) : [],
      documentElement: { setAttribute: (name, value) => attributes.set(name, value) },
    },
    window,
    observe: (cb) => {
      onChange = cb;
      return () => {};
    },
    origin: SHOP,
    sendToBackground: async (m) => {
      sent.push(m);
      return { ok: true };
    },
    fetch: fetchFn,
    toPage: (v) => v,
    userActivation: () => activation.isActive,
    isTrusted: (event) => trusted.has(event),
  };
  const bridge = startPageBridge(deps);
  return {
    bridge,
    window,
    texts,
    attributes,
    sent,
    outcomes,
    fetched,
    ready: () => ready,
    mutate: () => onChange(),
    activation,
    /** The shopper clicks on the page: a trusted click, and the page has transient activation. */
    click() {
      const e = new Event('pointerdown');
      trusted.add(e);
      activation.isActive = true;
      window.dispatchEvent(e);
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('page bridge', () => {
  it('reports the initiation and announces the wallet once', async () => {
    const s = setup();
    await flush();
    expect(s.sent).toEqual([{ type: 'initiationFound', kind: 'payment', initiation: INITIATION }]);
    expect(s.attributes.get('data-set-wallet')).toBe('ready');
    expect(s.ready()).toBe(1);
    s.bridge.scan();
    expect(s.sent).toHaveLength(1);
    expect(s.ready()).toBe(1);
  });

  it('says nothing to a page without an initiation, until one is inserted', async () => {
    const s = setup([]);
    expect(s.sent).toEqual([]);
    expect(s.attributes.size).toBe(0);
    expect(s.ready()).toBe(0);
    s.texts.push(INITIATION);
    s.mutate();
    await new Promise((r) => setTimeout(r, 80));
    expect(s.sent.map((m) => m.type)).toEqual(['initiationFound']);
    expect(s.ready()).toBe(1);
  });

  it('turns set-wallet:request-payment into requestPayment with the initiation read from the DOM', async () => {
    const s = setup();
    s.click();
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestPayment));
    s.click();
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestPayment, { detail: {} }));
    expect(s.sent.slice(1)).toEqual([
      { type: 'requestPayment', initiation: INITIATION, gesture: true },
      { type: 'requestPayment', initiation: INITIATION, gesture: true },
    ]);
  });

  it('reports a gesture only for a trusted input event with the page still activated, once per gesture', () => {
    const s = setup();
    // No input at all: the page's word is all there is.
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestPayment));
    // Activation without a trusted event we saw (input hidden from the wallet): no gesture.
    s.activation.isActive = true;
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestPayment));
    // Input the page forged (untrusted events) does not count either.
    s.window.dispatchEvent(new Event('pointerdown'));
    s.window.dispatchEvent(new Event('keydown'));
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestPayment));
    // A real click, but the activation expired before the page asked.
    s.click();
    s.activation.isActive = false;
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestPayment));
    // A real click: one request with a gesture; asking again on the same click has none.
    s.click();
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestPayment));
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestPayment));
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestRegistration));
    const requests = s.sent.filter((m) => m.type !== 'initiationFound') as { gesture: boolean }[];
    expect(requests.map((r) => r.gesture)).toEqual([false, false, false, false, true, false]);
    // The registration request found no initiation; the page hears only that.
    expect(s.outcomes).toEqual([{ status: 'failed', code: 'noInitiation' }]);
  });

  it('refuses a request whose detail says anything', () => {
    const s = setup();
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestPayment, { detail: { amount: 1 } }));
    expect(s.sent.map((m) => m.type)).toEqual(['initiationFound']);
    expect(s.outcomes).toEqual([{ status: 'failed', code: 'badMessage' }]);
  });

  it('answers noInitiation when the page declares none', () => {
    const s = setup([]);
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestRegistration));
    expect(s.sent).toEqual([]);
    expect(s.outcomes).toEqual([{ status: 'failed', code: 'noInitiation' }]);
  });

  it('passes outcomes to the page, only in the PageOutcome shape', async () => {
    const s = setup();
    await s.bridge.onBackgroundMessage({ type: 'outcome', outcome: { status: 'approved', xid: 'abc' } });
    expect(
      s.bridge.onBackgroundMessage({ type: 'outcome', outcome: { status: 'approved', card: '1111' } }),
    ).toBeUndefined();
    expect(s.outcomes).toEqual([{ status: 'approved', xid: 'abc' }]);
  });

  it('carries transport requests same-origin only', async () => {
    const s = setup();
    expect(
      await s.bridge.onBackgroundMessage({ type: 'transportRequest', url: `${SHOP}/set`, body: '{}' }),
    ).toEqual({
      ok: true,
      status: 200,
      body: '{"reply":true}',
    });
    const refused = await s.bridge.onBackgroundMessage({
      type: 'transportRequest',
      url: 'https://evil.example/set',
      body: '{}',
    });
    expect(refused).toMatchObject({ ok: false });
    expect(s.fetched).toEqual([`${SHOP}/set`]);
  });

  it('ignores messages that are not for it', () => {
    const s = setup();
    expect(s.bridge.onBackgroundMessage({ type: 'vault.unlock', passphrase: 'x' })).toBeUndefined();
    expect(s.bridge.onBackgroundMessage('hello')).toBeUndefined();
  });

  it('reports the initiation again when the page comes back from the back/forward cache', () => {
    const s = setup();
    s.window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }));
    expect(s.sent).toHaveLength(1);
    s.window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    expect(s.sent.map((m) => m.type)).toEqual(['initiationFound', 'initiationFound']);
  });

  it('stops listening when stopped', () => {
    const s = setup();
    s.bridge.stop();
    s.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.requestPayment));
    expect(s.sent.map((m) => m.type)).toEqual(['initiationFound']);
  });
});

// The <pay-with-set> button's pure parts (src/merchant/browser/pay-with-set.ts): the wallet's DOM
// event API it speaks is the wallet's own, every outcome the wallet can tell has a state and words,
// and the compiled module the store serves is one plain ES module with no imports and no Node API.
// Its behaviour in a page runs in real Chromium and Firefox (tests/e2e/wallet-suite.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { READY_ATTRIBUTE, READY_EVENT } from '../../src/content/page-bridge.ts';
import {
  describeState,
  FAILURE_WORDS,
  MAX_INITIATION_BYTES,
  PAYMENT_INITIATION_TYPE,
  type PayWithSetState,
  readOutcome,
  sameOriginUrl,
  stateAfter,
  WALLET_EVENTS,
  WALLET_READY_ATTRIBUTE,
} from '../../src/merchant/browser/pay-with-set.ts';
import {
  MAX_INITIATION_BYTES as PROTOCOL_MAX,
  PAYMENT_INITIATION_TYPE as PROTOCOL_TYPE,
} from '../../src/protocol/initiation.ts';
import { payWithSetScript } from '../../src/store/pay-with-set-asset.ts';
import { PAGE_EVENTS, PageOutcome } from '../../src/wallet/messages.ts';

const STATES: PayWithSetState[] = [
  'idle',
  'loading',
  'unavailable',
  'looking',
  'waiting',
  'awaitingShopper',
  'paying',
  'approved',
  'declined',
  'pending',
  'rejected',
  'failed',
  'noWallet',
];

describe('<pay-with-set>', () => {
  it('speaks the wallet’s own DOM event API and initiation type', () => {
    expect(WALLET_EVENTS).toEqual({
      requestPayment: PAGE_EVENTS.requestPayment,
      outcome: PAGE_EVENTS.outcome,
      ready: READY_EVENT,
    });
    expect(WALLET_READY_ATTRIBUTE).toBe(READY_ATTRIBUTE);
    expect(PAYMENT_INITIATION_TYPE).toBe(PROTOCOL_TYPE);
    expect(MAX_INITIATION_BYTES).toBe(PROTOCOL_MAX);
  });

  it('moves to a state for every status the wallet can tell a page', () => {
    const statuses: readonly string[] = PageOutcome.entries.status.options;
    for (const status of statuses) {
      expect(readOutcome({ status })).toEqual({ status });
      expect(stateAfter(status, 'waiting'), status).toBeDefined();
    }
    expect(stateAfter('paying', 'waiting')).toBe('paying');
    expect(stateAfter('approved', 'paying')).toBe('approved');
    // Another window already open: the shopper finishes there; while paying, it changes nothing.
    expect(stateAfter('alreadyPending', 'looking')).toBe('waiting');
    expect(stateAfter('alreadyPending', 'paying')).toBeUndefined();
    expect(stateAfter('paid', 'waiting')).toBeUndefined();
  });

  it('has words for every state but idle, and the wallet’s words for its failure codes', () => {
    for (const state of STATES) {
      if (state === 'idle') expect(describeState(state)).toBe('');
      else expect(describeState(state).length, state).toBeGreaterThan(10);
    }
    expect(describeState('failed', 'noCards')).toContain(FAILURE_WORDS.noCards);
    expect(describeState('failed', 'noCards')).toContain('(noCards)');
    expect(describeState('failed', 'someNewCode')).toContain('nothing was charged');
    expect(describeState('noWallet')).toContain('Install SET Wallet');
  });

  it('reads only a well-formed outcome from the page event', () => {
    expect(readOutcome(null)).toBeUndefined();
    expect(readOutcome('approved')).toBeUndefined();
    expect(readOutcome({ status: 7 })).toBeUndefined();
    expect(readOutcome({ status: 'x'.repeat(33) })).toBeUndefined();
    expect(readOutcome({ status: 'failed', code: 'c'.repeat(65), xid: 5 })).toEqual({ status: 'failed' });
    expect(readOutcome({ status: 'approved', xid: 'AbC', card: '4111' })).toEqual({
      status: 'approved',
      xid: 'AbC',
    });
  });

  it('fetches an initiation only from the page’s own origin over http(s)', () => {
    const page = 'https://shop.example/checkout/7';
    expect(sameOriginUrl('/set/initiation?order=7', page)?.href).toBe(
      'https://shop.example/set/initiation?order=7',
    );
    expect(sameOriginUrl('https://shop.example/i', page)).toBeDefined();
    for (const bad of [
      'https://evil.example/i',
      '//evil.example/i',
      'http://shop.example/i',
      'javascript:alert(1)',
      'data:application/json,{}',
      'https://shop.example:8443/i',
    ]) {
      expect(sameOriginUrl(bad, page), bad).toBeUndefined();
    }
  });

  it('compiles to one plain ES module: no imports, no Node API', async () => {
    const source = readFileSync(
      new URL('../../src/merchant/browser/pay-with-set.ts', import.meta.url),
      'utf8',
    );
    expect(source).not.toMatch(/^\s*import\s/m);
    const js = await payWithSetScript();
    expect(js).not.toMatch(/^\s*import\s|\brequire\(|\bprocess\.|\bBuffer\b|node:/m);
    expect(js).not.toMatch(/:\s*PayWithSetState\b|\binterface\s/);
    expect(js).toContain("customElements.define('pay-with-set'");
    // It loads where there is no DOM (the SDK's Node side) and defines nothing there.
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`)) as {
      describeState(s: string): string;
    };
    expect(mod.describeState('paying')).toBe(describeState('paying'));
  });
});

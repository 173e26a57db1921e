// The content script's initiation finder (src/content/initiation-finder.ts) over a fake DOM:
// the first valid element of each kind wins, oversize or cross-origin or malformed ones are skipped,
// and a rescan reports only what appeared or changed.
import { describe, expect, it } from 'vitest';
import {
  changedInitiations,
  findInitiation,
  findInitiations,
  type InitiationScope,
  MAX_ELEMENTS_PER_KIND,
} from '../../src/content/initiation-finder.ts';
import {
  MAX_INITIATION_BYTES,
  PAYMENT_INITIATION_TYPE,
  REGISTRATION_INITIATION_TYPE,
} from '../../src/protocol/initiation.ts';
import { paymentInitiation } from '../support/initiations.ts';

const SHOP = 'https://shop.example';

const payment = paymentInitiation;
const registration = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ set: 'SET/2', kind: 'registration', brand: 'SETPay', endpoint: '/cca', ...over });

/** A document holding `<script type=…>` elements, answering querySelectorAll the way the finder asks. */
function fakeDocument(
  elements: { type: string; text: string | null }[],
): InitiationScope & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    querySelectorAll(selector: string) {
      asked.push(selector);
      const type = /^script\[type="([^"]+)"\]$/.exec(selector)?.[1];
      return elements.filter((e) => e.type === type).map((e) => ({ textContent: e.text }));
    },
  };
}

describe('initiation finder', () => {
  it('finds a payment and a registration initiation with their same-origin endpoints', () => {
    const doc = fakeDocument([
      { type: PAYMENT_INITIATION_TYPE, text: payment() },
      { type: REGISTRATION_INITIATION_TYPE, text: registration() },
    ]);
    const found = findInitiations(doc, SHOP);
    expect(found.payment).toEqual({ kind: 'payment', text: payment(), endpointUrl: `${SHOP}/set` });
    expect(found.registration?.endpointUrl).toBe(`${SHOP}/cca`);
    expect(doc.asked).toEqual([
      `script[type="${PAYMENT_INITIATION_TYPE}"]`,
      `script[type="${REGISTRATION_INITIATION_TYPE}"]`,
    ]);
  });

  it('finds nothing on a page without initiations, or with other script types', () => {
    expect(findInitiations(fakeDocument([]), SHOP)).toEqual({});
    expect(findInitiations(fakeDocument([{ type: 'application/ld+json', text: payment() }]), SHOP)).toEqual(
      {},
    );
  });

  it('skips an endpoint on another origin', () => {
    const doc = fakeDocument([
      { type: PAYMENT_INITIATION_TYPE, text: payment({ endpoint: 'https://evil.example/set' }) },
    ]);
    expect(findInitiation(doc, 'payment', SHOP)).toBeUndefined();
    // The same element read on the evil origin itself is fine: the origin is the page's, not the text's.
    expect(findInitiation(doc, 'payment', 'https://evil.example')?.endpointUrl).toBe(
      'https://evil.example/set',
    );
  });

  it('skips malformed, empty and oversize elements and takes the next valid one', () => {
    // Valid JSON, only too long: whitespace padding past the limit.
    const big = `${payment()}${' '.repeat(MAX_INITIATION_BYTES)}`;
    const doc = fakeDocument([
      { type: PAYMENT_INITIATION_TYPE, text: null },
      { type: PAYMENT_INITIATION_TYPE, text: '{not json' },
      { type: PAYMENT_INITIATION_TYPE, text: big },
      { type: PAYMENT_INITIATION_TYPE, text: payment({ amount: 12.99 }) },
      { type: PAYMENT_INITIATION_TYPE, text: payment({ set: 'SET/9' }) },
      { type: PAYMENT_INITIATION_TYPE, text: payment({ lidM: 'second' }) },
    ]);
    expect(JSON.parse(findInitiation(doc, 'payment', SHOP)!.text).lidM).toBe('second');
  });

  it('refuses unknown fields (a page cannot smuggle anything in)', () => {
    const doc = fakeDocument([{ type: PAYMENT_INITIATION_TYPE, text: payment({ pan: '4111111111111111' }) }]);
    expect(findInitiation(doc, 'payment', SHOP)).toBeUndefined();
  });

  it(`reads at most ${MAX_ELEMENTS_PER_KIND} elements of a kind`, () => {
    const junk = Array.from({ length: MAX_ELEMENTS_PER_KIND }, () => ({
      type: PAYMENT_INITIATION_TYPE,
      text: '{}',
    }));
    const doc = fakeDocument([...junk, { type: PAYMENT_INITIATION_TYPE, text: payment() }]);
    expect(findInitiation(doc, 'payment', SHOP)).toBeUndefined();
  });

  it('reports what appeared or changed between scans, not what stayed', () => {
    const first = findInitiations(fakeDocument([{ type: PAYMENT_INITIATION_TYPE, text: payment() }]), SHOP);
    expect(changedInitiations({}, first).map((i) => i.kind)).toEqual(['payment']);
    expect(changedInitiations(first, first)).toEqual([]);
    const spa = findInitiations(
      fakeDocument([
        { type: PAYMENT_INITIATION_TYPE, text: payment({ lidM: 'order-43' }) },
        { type: REGISTRATION_INITIATION_TYPE, text: registration() },
      ]),
      SHOP,
    );
    expect(changedInitiations(first, spa).map((i) => i.kind)).toEqual(['payment', 'registration']);
    expect(changedInitiations(spa, {})).toEqual([]);
  });
});

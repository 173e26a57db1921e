// The content script's hand-written parsers (src/wallet/bridge-messages.ts for its messages,
// src/protocol/initiation-check.ts for initiations) against the valibot schemas the background
// and the protocol parse the same things with: on generated input, near-valid values mutated one
// field at a time (a field dropped, replaced, added, a limit crossed by one), each pair must accept
// exactly the same inputs and give the same value. 1,000 runs per property.
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  MAX_INITIATION_BYTES,
  parsePaymentInitiation,
  parseRegistrationInitiation,
} from '../../src/protocol/initiation.ts';
import { checkInitiation, isStrictObject } from '../../src/protocol/initiation-check.ts';
import { MAX_WIRE_BYTES } from '../../src/protocol/messages/wire-limit.ts';
import {
  type BackgroundToContent as BridgeBackgroundToContent,
  type PageOutcome as BridgePageOutcome,
  isPageRequest,
  PAGE_OUTCOME_STATUSES,
  parseBackgroundToContent,
  parsePageOutcome,
  parseStartError,
  parseUiReply,
} from '../../src/wallet/bridge-messages.ts';
import { WALLET_ERROR_CODES } from '../../src/wallet/errors.ts';
import {
  BackgroundToContent,
  PageOutcome,
  PageRequest,
  StartError,
  UiReply,
} from '../../src/wallet/messages.ts';

const RUNS = 1000;
const SHOP = 'https://shop.example';

/** Any JSON-ish value, small, with the keys the schemas know and a few they do not. */
const KEYS = [
  'status',
  'xid',
  'code',
  'type',
  'url',
  'body',
  'outcome',
  'extra',
  '__proto__',
  'constructor',
  'prototype',
  'ok',
  'value',
  'error',
  'messageKey',
  'params',
  'setCode',
  'detail',
];
const scalar = fc.oneof(
  fc.string({ maxLength: 70 }),
  fc.constantFrom(...PAGE_OUTCOME_STATUSES, 'transportRequest', 'outcome', ''),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A string of exactly `n` code units, or one more: the limit and the limit crossed. */
const around = (n: number) => fc.constantFrom(n, n + 1).map((length) => 'x'.repeat(length));

const outcome = fc.record(
  {
    status: fc.oneof(fc.constantFrom(...PAGE_OUTCOME_STATUSES), scalar),
    xid: fc.oneof(fc.string({ maxLength: 70 }), around(64), scalar),
    code: fc.oneof(fc.string({ maxLength: 70 }), around(64), scalar),
    extra: scalar,
  },
  { requiredKeys: [] },
);
const backgroundMessage = fc.oneof(
  fc.record(
    {
      type: fc.oneof(fc.constant('transportRequest'), scalar),
      url: fc.oneof(fc.webUrl(), around(2048), scalar),
      body: fc.oneof(fc.string({ maxLength: 50 }), around(MAX_WIRE_BYTES), scalar),
      outcome,
      extra: scalar,
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    { type: fc.oneof(fc.constant('outcome'), scalar), outcome: fc.oneof(outcome, anyValue), url: scalar },
    { requiredKeys: ['type'] },
  ),
  anyValue,
);

const params = fc.oneof(
  fc.dictionary(
    fc.oneof(fc.string({ maxLength: 70 }), fc.constantFrom('constructor', 'x'.repeat(65))),
    scalar,
    {
      maxKeys: 3,
    },
  ),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(around(512), fc.integer(), fc.constant(Number.NaN)), {
    maxKeys: 2,
  }),
  anyValue,
);
const errorJson = fc.record(
  {
    code: fc.oneof(fc.constantFrom(...WALLET_ERROR_CODES), around(64), scalar),
    messageKey: fc.oneof(fc.string({ maxLength: 70 }), around(64), scalar),
    params,
    setCode: fc.oneof(fc.constantFrom('signatureFailure', 'x'.repeat(65)), scalar),
    detail: fc.oneof(fc.string({ maxLength: 50 }), around(2048), scalar),
    extra: scalar,
  },
  { requiredKeys: [] },
);
const uiReply = fc.oneof(
  fc.record(
    { ok: fc.oneof(fc.constant(true), scalar), value: anyValue, extra: scalar },
    { requiredKeys: ['ok'] },
  ),
  fc.record(
    { ok: fc.oneof(fc.constant(false), scalar), error: fc.oneof(errorJson, anyValue), extra: scalar },
    { requiredKeys: ['ok'] },
  ),
  anyValue,
);

/** What valibot makes of `input`, in the hand-written parser's terms. */
function byValibot<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> | undefined {
  const r = v.safeParse(schema, input);
  return r.success ? r.output : undefined;
}

describe('the content script’s message parsers agree with messages.ts’s schemas', () => {
  it('PageRequest: null, undefined or an object with no key', () => {
    fc.assert(
      fc.property(anyValue, (x) => {
        expect(isPageRequest(x)).toBe(v.safeParse(PageRequest, x).success);
      }),
      { numRuns: RUNS },
    );
    for (const x of [null, undefined, {}, [], { constructor: 1 }, { a: 1 }, [1], 'x', 0, false]) {
      expect(isPageRequest(x), JSON.stringify(x)).toBe(v.safeParse(PageRequest, x).success);
    }
  });

  it('PageOutcome: the same acceptance and the same value', () => {
    fc.assert(
      fc.property(fc.oneof(outcome, anyValue), (x) => {
        expect(parsePageOutcome(x)).toEqual(byValibot(PageOutcome, x));
      }),
      { numRuns: RUNS },
    );
  });

  it('BackgroundToContent: the same acceptance and the same value, the body limited to the wire size', () => {
    fc.assert(
      fc.property(backgroundMessage, (x) => {
        expect(parseBackgroundToContent(x, MAX_WIRE_BYTES)).toEqual(byValibot(BackgroundToContent, x));
      }),
      { numRuns: RUNS },
    );
  });

  it('UiReply: the same acceptance and the same value (a wallet page’s every answer)', () => {
    fc.assert(
      fc.property(uiReply, (x) => {
        expect(parseUiReply(x)).toEqual(byValibot(UiReply, x));
      }),
      { numRuns: RUNS },
    );
  });

  it('StartError: the same acceptance and the same value (the confirmation window’s ?error=)', () => {
    fc.assert(
      fc.property(fc.oneof(errorJson, anyValue), (x) => {
        expect(parseStartError(x)).toEqual(byValibot(StartError, x));
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts the real answers and refuses their near misses', () => {
    const error = { code: 'locked', messageKey: 'error_locked', params: { n: 1, s: 'x' }, detail: 'locked' };
    expect(parseUiReply({ ok: false, error })).toEqual({ ok: false, error });
    expect(parseUiReply({ ok: true, value: [1] })).toEqual({ ok: true, value: [1] });
    expect(parseUiReply({ ok: true })).toBeUndefined();
    expect(parseUiReply({ ok: false, error: { ...error, code: 'nope' } })).toBeUndefined();
    expect(parseUiReply({ ok: false, error: { ...error, more: 1 } })).toBeUndefined();
    expect(parseStartError({ ...error, more: 1 })).toEqual({
      code: 'locked',
      messageKey: 'error_locked',
      params: error.params,
    });
    expect(parseStartError({ ...error, params: { ['k'.repeat(65)]: 1 } })).toBeUndefined();
  });

  it('gives the very types the schemas infer', () => {
    expectTypeOf<BridgePageOutcome>().toEqualTypeOf<v.InferOutput<typeof PageOutcome>>();
    expectTypeOf<BridgeBackgroundToContent>().toEqualTypeOf<v.InferOutput<typeof BackgroundToContent>>();
  });

  it('isStrictObject refuses every key beyond those allowed, as valibot does', () => {
    expect(isStrictObject({ a: 1, constructor: 2 }, ['a'])).toBe(false);
    expect(isStrictObject(JSON.parse('{"a":1,"__proto__":2}'), ['a'])).toBe(false);
    expect(isStrictObject({ a: 1 }, ['a', 'b'])).toBe(true);
    expect(isStrictObject({ a: 1, b: 2 }, ['a'])).toBe(false);
    expect(isStrictObject({ b: 2 }, ['a', 'b'], ['a'])).toBe(false);
    expect(isStrictObject(null, [])).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Initiations

const validPayment = {
  set: 'SET/2',
  kind: 'payment',
  brands: ['Visa', 'MC'],
  amount: { currency: 'EUR', value: 1299, exponent: 2 },
  lidM: 'order-42',
  endpoint: '/set',
  description: 'A mug',
};
const validRegistration = {
  set: 'SET/2',
  kind: 'registration',
  brand: 'Visa',
  endpoint: 'https://shop.example/set/cca',
  issuerName: 'Demo Bank',
};

/** Replacements that sit on either side of one rule. */
const edge = fc.oneof(
  fc.constantFrom(
    'SET/2',
    'SET/02',
    'SET/002',
    'SET/0002',
    'SET/1',
    'SET/3',
    'set/2',
    'payment',
    'registration',
    '',
    ' ',
    'EUR',
    'eur',
    'EURO',
    'Visa',
    'Vi sa',
    'x'.repeat(32),
    'x'.repeat(33),
    'x'.repeat(64),
    'x'.repeat(65),
    'x'.repeat(100),
    'x'.repeat(101),
    'x'.repeat(200),
    'x'.repeat(201),
    'x'.repeat(512),
    'x'.repeat(513),
    'é',
    '\u0007',
    '/set',
    'https://shop.example/set',
    'https://evil.example/set',
    '//evil.example/set',
    'http://[::1',
    'javascript:alert(1)',
  ),
  fc.constantFrom(0, 1, 4, 5, -1, 1.5, 1e15, 1e15 + 1, 2 ** 53, Number.MAX_SAFE_INTEGER, null, true),
  fc.constantFrom([], ['Visa'], ['Visa', 1], Array(8).fill('V'), Array(9).fill('V')),
  fc.constantFrom(
    { currency: 'EUR', value: 1, exponent: 2 },
    { currency: 'EUR', value: 1, exponent: 2, extra: 1 },
    { currency: 'EUR', value: 1 },
    { currency: 'EUR', value: -1, exponent: 2 },
  ),
  scalar,
);

const MUTABLE = [
  'set',
  'kind',
  'brands',
  'brand',
  'amount',
  'lidM',
  'endpoint',
  'description',
  'issuerName',
  'extra',
];

/** A valid initiation with up to three fields changed, dropped or added, as JSON text. */
const initiationText = fc
  .tuple(
    fc.constantFrom(validPayment, validRegistration),
    fc.array(fc.tuple(fc.constantFrom(...MUTABLE), fc.option(edge, { nil: undefined }), fc.boolean()), {
      maxLength: 3,
    }),
  )
  .map(([base, changes]) => {
    const o: Record<string, unknown> = { ...base };
    for (const [key, value, drop] of changes) {
      if (drop) delete o[key];
      else if (value !== undefined) o[key] = value;
    }
    return JSON.stringify(o);
  });

/** What initiation.ts makes of `text`: the endpoint URL, or undefined when it refuses. */
function byProtocol(kind: 'payment' | 'registration', text: string): string | undefined {
  try {
    return (kind === 'payment' ? parsePaymentInitiation : parseRegistrationInitiation)(text, SHOP)
      .endpointUrl;
  } catch {
    return undefined;
  }
}

describe('the content script’s initiation check agrees with initiation.ts', () => {
  it('accepts exactly the initiations the protocol’s parsers accept, with the same endpoint', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('payment' as const, 'registration' as const),
        fc.oneof({ weight: 8, arbitrary: initiationText }, { weight: 1, arbitrary: fc.json() }),
        (kind, text) => {
          expect(checkInitiation(kind, text, SHOP)).toBe(byProtocol(kind, text));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('answers the valid examples, and refuses another origin, a size over the limit and a newer version', () => {
    expect(checkInitiation('payment', JSON.stringify(validPayment), SHOP)).toBe(`${SHOP}/set`);
    expect(checkInitiation('registration', JSON.stringify(validRegistration), SHOP)).toBe(`${SHOP}/set/cca`);
    expect(checkInitiation('registration', JSON.stringify(validPayment), SHOP)).toBeUndefined();
    const elsewhere = { ...validPayment, endpoint: 'https://evil.example/set' };
    expect(checkInitiation('payment', JSON.stringify(elsewhere), SHOP)).toBeUndefined();
    const big = { ...validPayment, description: 'é'.repeat(MAX_INITIATION_BYTES / 2) };
    expect(checkInitiation('payment', JSON.stringify(big), SHOP)).toBeUndefined();
    expect(
      checkInitiation('payment', JSON.stringify({ ...validPayment, set: 'SET/3' }), SHOP),
    ).toBeUndefined();
  });
});

// The schemas for messages between the extension's contexts (src/wallet/messages.ts): what a
// page may say, what a content script may send, what the transport replies, what a wallet page
// asks. Unknown fields, wrong types and oversized values are refused before anything is used.

import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  BackgroundToContent,
  ContentToBackground,
  PageOutcome,
  PageRequest,
  parseMessage,
  TransportReply,
  UiRequest,
  WalletError,
} from '../../src/wallet/index.ts';

const ok = (schema: v.GenericSchema, value: unknown) => expect(v.safeParse(schema, value).success).toBe(true);
const no = (schema: v.GenericSchema, value: unknown) =>
  expect(v.safeParse(schema, value).success).toBe(false);

describe('wallet message schemas', () => {
  it('a page asks with nothing in the event detail', () => {
    ok(PageRequest, null);
    ok(PageRequest, undefined);
    ok(PageRequest, {});
    no(PageRequest, { amount: 1 });
    no(PageRequest, 'pay me');
  });

  it('a page learns the outcome only', () => {
    ok(PageOutcome, { status: 'approved', xid: 'abc' });
    ok(PageOutcome, { status: 'failed', code: 'originMismatch' });
    no(PageOutcome, { status: 'approved', card: '•••• 1111' });
    no(PageOutcome, { status: 'paid' });
  });

  it('a content script sends initiation text within the initiation size limit', () => {
    ok(ContentToBackground, { type: 'requestPayment', initiation: '{}', gesture: true });
    no(ContentToBackground, { type: 'requestPayment', initiation: '{}' });
    ok(ContentToBackground, { type: 'initiationFound', kind: 'registration', initiation: '{}' });
    no(ContentToBackground, { type: 'requestPayment', initiation: 'x'.repeat(4097) });
    no(ContentToBackground, { type: 'requestPayment', initiation: '{}', origin: 'https://bank.example' });
    no(ContentToBackground, { type: 'unlock', passphrase: 'x' });
  });

  it('the transport carries SET/2 messages up to their size limit', () => {
    ok(BackgroundToContent, { type: 'transportRequest', url: 'https://shop.example/set', body: '{}' });
    no(BackgroundToContent, {
      type: 'transportRequest',
      url: 'https://shop.example/set',
      body: 'x'.repeat(300_000),
    });
    ok(TransportReply, { ok: true, status: 200, body: '{}' });
    ok(TransportReply, { ok: false, error: 'network error' });
    no(TransportReply, { ok: true, status: 200 });
    no(TransportReply, { ok: true, status: 200, body: 'x'.repeat(300_000) });
  });

  it('a wallet page asks for one named operation with bounded arguments', () => {
    ok(UiRequest, { type: 'vault.unlock', passphrase: 'correct horse battery staple' });
    ok(UiRequest, { type: 'purchase.pay', requestId: 'r1', cardId: 'c1' });
    ok(UiRequest, { type: 'registration.submit', registrationId: 'r', answers: { fullName: 'Ada' } });
    no(UiRequest, { type: 'vault.unlock', passphrase: 'x'.repeat(1025) });
    no(UiRequest, { type: 'vault.unlock' });
    no(UiRequest, { type: 'purchase.pay', requestId: 'r1', cardId: 'c1', amount: 1 });
    no(UiRequest, { type: 'settings.setIdleMinutes', minutes: 0 });
    no(UiRequest, { type: 'roots.propose', pem: 'x'.repeat(17 * 1024) });
    no(UiRequest, { type: 'vault.dump' });
    const e = (() => {
      try {
        parseMessage(UiRequest, { type: 'purchase.pay', requestId: 1, cardId: 'c' });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(WalletError);
    expect((e as WalletError).code).toBe('badMessage');
    expect((e as WalletError).params.problem).toContain('requestId');
  });
});

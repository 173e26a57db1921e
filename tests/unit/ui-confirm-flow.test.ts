// The confirmation window's logic (src/ui/confirm-flow.ts) against a scripted background: unlock
// then pay; a payment whose call was cut off is watched, not re-sent (the background owns it), and
// Retry re-sends only when the background gave up; a payment already finished or under way is
// never paid again; a closed window makes no more calls.
import { describe, expect, it } from 'vitest';
import type { ConfirmDeps } from '../../src/ui/confirm-flow.ts';
import { ConfirmFlow, WATCH_POLLS } from '../../src/ui/confirm-flow.ts';
import type { UiErrorInfo } from '../../src/ui/wallet-client.ts';
import type { UiRequest } from '../../src/wallet/messages.ts';
import type { PurchaseView } from '../../src/wallet/purchase.ts';

class Refused extends Error {
  constructor(readonly info: UiErrorInfo) {
    super(info.code);
  }
}
const refusal = (code: string): Refused => new Refused({ code, messageKey: `error_${code}`, params: {} });

const view = (state: PurchaseView['state'], extra: Partial<PurchaseView> = {}): PurchaseView => ({
  requestId: 'R1',
  tabId: 7,
  tabOrigin: 'https://shop.example',
  endpointUrl: 'https://shop.example/set',
  state,
  preselectedCardId: 'C1',
  ...extra,
});
const DONE = view('done', {
  cardId: 'C1',
  receipt: { id: 'X1', xid: 'X1', status: 'approved' } as PurchaseView['receipt'],
});

/**
 * A background that answers from `script`: the request's view as it stands, the vault, and what a
 * purchase.pay does (a view, or a refusal). Every request is recorded.
 */
function background(script: {
  view: PurchaseView;
  unlocked?: boolean;
  pay?: (() => PurchaseView | Error)[];
  /** What the request has become by the n-th purchase.get (the background working meanwhile). */
  later?: PurchaseView[];
}) {
  const calls: string[] = [];
  /** Every purchase.pay request as sent. */
  const payRequests: UiRequest[] = [];
  let current = script.view;
  let unlocked = script.unlocked ?? true;
  let gets = 0;
  const answer = (request: UiRequest): unknown => {
    calls.push(request.type);
    switch (request.type) {
      case 'purchase.get':
        current = script.later?.[gets++] ?? current;
        return current;
      case 'vault.status':
        return { exists: true, unlocked };
      case 'vault.unlock':
        if (request.passphrase !== 'the passphrase') throw refusal('wrongPassphrase');
        unlocked = true;
        return undefined;
      case 'purchase.pay': {
        payRequests.push(request);
        const next = script.pay?.shift()?.() ?? refusal('notReady');
        if (next instanceof Error) throw next;
        current = next;
        return next;
      }
      case 'purchase.cancel':
        current = view('rejected');
        return current;
      default:
        throw refusal('badMessage');
    }
  };
  const closed: boolean[] = [];
  const deps: ConfirmDeps = {
    call: (async (request: UiRequest) => answer(request)) as ConfirmDeps['call'],
    wait: async () => {},
    close: () => void closed.push(true),
    errorInfo: (e) =>
      e instanceof Refused ? e.info : { code: 'backgroundGone', messageKey: '', params: {} },
  };
  return { deps, calls, closed, payRequests, pays: () => calls.filter((c) => c === 'purchase.pay').length };
}

describe('the confirmation window’s flow', () => {
  it('asks to pay unsigned only on the shopper’s tick, and only where the request offers it', async () => {
    // Not offered (a gateway requiring card certificates): a tick is ignored, Pay is signed.
    const strict = background({ view: view('awaitingConfirmation'), pay: [() => DONE] });
    const flow = new ConfirmFlow('R1', strict.deps);
    await flow.start();
    flow.chooseUnsigned(true);
    expect(flow.state.unsigned).toBe(false);
    await flow.pay('');
    expect(strict.payRequests).toEqual([{ type: 'purchase.pay', requestId: 'R1', cardId: 'C1' }]);

    // Offered: off until ticked; untick it again and Pay is signed.
    const offered = view('awaitingConfirmation', { unsignedOffered: true });
    const untouched = background({ view: offered, pay: [() => DONE] });
    const plain = new ConfirmFlow('R1', untouched.deps);
    await plain.start();
    expect(plain.state.unsigned).toBe(false);
    plain.chooseUnsigned(true);
    plain.chooseUnsigned(false);
    await plain.pay('');
    expect(untouched.payRequests[0]).not.toHaveProperty('unsigned');

    const chosen = background({ view: offered, pay: [() => DONE] });
    const ticked = new ConfirmFlow('R1', chosen.deps);
    await ticked.start();
    ticked.chooseUnsigned(true);
    await ticked.pay('');
    expect(chosen.payRequests).toEqual([
      { type: 'purchase.pay', requestId: 'R1', cardId: 'C1', unsigned: true },
    ]);
  });

  it('unlocks then pays in one act; a wrong passphrase pays nothing', async () => {
    const b = background({ view: view('awaitingConfirmation'), unlocked: false, pay: [() => DONE] });
    const flow = new ConfirmFlow('R1', b.deps);
    await flow.start();
    expect(flow.state).toMatchObject({ cardId: 'C1', vault: { unlocked: false }, phase: 'idle' });
    await flow.pay('not the passphrase');
    expect(flow.state.error?.code).toBe('wrongPassphrase');
    expect(b.pays()).toBe(0);
    await flow.pay('the passphrase');
    expect(b.calls.slice(-3)).toEqual(['vault.unlock', 'vault.status', 'purchase.pay']);
    expect(flow.state).toMatchObject({
      view: DONE,
      vault: { unlocked: true },
      phase: 'idle',
      error: undefined,
    });
  });

  it('after its call was cut off, watches the payment the background finishes, and never sends it again', async () => {
    const gone = () => new Error('the service worker stopped');
    const b = background({
      view: view('awaitingConfirmation'),
      pay: [gone],
      // The restarted worker re-sends the PReq itself: the window sees it still paying, then done.
      later: [view('awaitingConfirmation'), view('paying', { cardId: 'C1' }), DONE],
    });
    const phases: string[] = [];
    const flow = new ConfirmFlow('R1', b.deps);
    flow.subscribe((s) => phases.push(s.phase));
    await flow.start();
    await flow.pay('');
    expect(phases).toContain('reconnecting');
    expect(flow.state).toMatchObject({ view: DONE, phase: 'idle' });
    expect(flow.state.error).toBeUndefined();
    expect(b.pays()).toBe(1);
  });

  it('retries after a transient failure only when the shopper says so: the same request, then the result', async () => {
    const b = background({
      view: view('awaitingConfirmation'),
      // The background re-sent it a few times and the page stayed away; then it answers.
      pay: [() => refusal('transport'), () => DONE],
      later: [view('awaitingConfirmation'), view('paying', { cardId: 'C1' })],
    });
    const flow = new ConfirmFlow('R1', b.deps);
    await flow.start();
    await flow.pay('');
    expect(flow.state).toMatchObject({ phase: 'idle', error: { code: 'transport' } });
    expect(flow.state.view?.state).toBe('paying');
    expect(b.pays()).toBe(1);
    await flow.retry();
    expect(flow.state).toMatchObject({ view: DONE, phase: 'idle' });
    expect(flow.state.error).toBeUndefined();
    expect(b.pays()).toBe(2);
  });

  it('a payment already finished, or under way when the window opens, is never paid from the window', async () => {
    const finished = background({ view: DONE });
    const flow = new ConfirmFlow('R1', finished.deps);
    await flow.start();
    await flow.pay('');
    await flow.retry();
    expect(finished.pays()).toBe(0);
    expect(flow.state.view).toEqual(DONE);

    // A worker stopped with the payment `paying`: the next one resumes it; the window watches.
    const underWay = background({
      view: view('paying', { cardId: 'C1' }),
      later: [view('paying', { cardId: 'C1' }), view('paying', { cardId: 'C1' }), DONE],
    });
    const watching = new ConfirmFlow('R1', underWay.deps);
    await watching.start();
    expect(watching.state).toMatchObject({ view: DONE });
    expect(watching.state.error).toBeUndefined();
    expect(underWay.pays()).toBe(0);

    // Still `paying` after a good while: the window offers Retry (the shopper's act).
    const away = background({ view: view('paying', { cardId: 'C1' }), pay: [() => DONE] });
    const stuck = new ConfirmFlow('R1', away.deps);
    await stuck.start();
    expect(away.calls.filter((c) => c === 'purchase.get')).toHaveLength(WATCH_POLLS + 1);
    expect(stuck.state).toMatchObject({ error: { code: 'transport' }, phase: 'idle' });
    await stuck.retry();
    expect(stuck.state.view).toEqual(DONE);
  });

  it('a closed window makes no more calls: Cancel rejects and closes, and a closed flow stops looking', async () => {
    const b = background({ view: view('awaitingConfirmation') });
    const flow = new ConfirmFlow('R1', b.deps);
    await flow.start();
    await flow.cancel();
    expect(b.calls.at(-1)).toBe('purchase.cancel');
    expect(b.closed).toEqual([true]);
    const after = b.calls.length;
    await flow.pay('');
    await flow.cancel();
    expect(b.calls).toHaveLength(after);

    // The merchant has not answered yet: the window looks again until it is closed.
    const waiting = background({ view: view('initiated') });
    let looks = 0;
    const closing = new ConfirmFlow('R1', {
      ...waiting.deps,
      wait: async () => {
        if (++looks === 3) closing.dispose();
      },
    });
    await closing.start();
    expect(waiting.calls.filter((c) => c === 'purchase.get')).toHaveLength(3);
    expect(waiting.pays()).toBe(0);
  });
});

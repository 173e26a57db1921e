/**
 * The confirmation window's logic, apart from its Preact component (src/ui/pages/ConfirmPage.tsx)
 * so that it can be tested without a browser: loading the request and the vault's state, waiting
 * for the merchant's PInitRes, unlock then pay, cancel, and watching a payment the background is
 * sending. Everything goes through `call` (the background's switchboard); timers through `wait`.
 *
 * The background owns a payment once the shopper chose Pay (docs/architecture.md, "The
 * extension's contexts"): it re-sends the same PReq after a transport failure and when a service
 * worker starts with a payment left `paying`. This window never re-sends on its own: it asks
 * (Pay, and Retry once the background gave up) and watches the request until it ends.
 */
import type { PurchaseView } from '../wallet/purchase.ts';
import type { VaultStatus } from '../wallet/vault/vault.ts';
import type { call as callBackground, UiErrorInfo } from './wallet-client.ts';

export type Phase = 'idle' | 'paying' | 'reconnecting' | 'cancelling';

export interface ConfirmState {
  view?: PurchaseView;
  vault?: VaultStatus;
  /** The card chosen (the request's own, else the preselected one, else the shopper's choice). */
  cardId?: string;
  /**
   * The shopper ticked "pay without my card's certificate", offered only when the view says the
   * gateway allows it (`unsignedOffered`). Off unless the shopper chooses it.
   */
  unsigned: boolean;
  phase: Phase;
  /** What went wrong with the shopper's last act (shown next to the buttons). */
  error?: UiErrorInfo;
  /** The request could not be loaded at all. */
  loadError?: UiErrorInfo;
}

export interface ConfirmDeps {
  call: typeof callBackground;
  /** Resolves after `ms` (setTimeout in the window; the tests' own clock). */
  wait(ms: number): Promise<void>;
  /** Closes the window. */
  close(): void;
  /** Turns what a call threw into what the window shows (wallet-client.ts's errorInfo). */
  errorInfo(e: unknown): UiErrorInfo;
}

/** While the merchant has not answered PInitReq, or the background is sending the PReq: look again. */
export const POLL_MS = 700;
/**
 * How long the window watches a payment the background is sending after its own call was cut off
 * (the service worker stopped): a new worker resumes it as it starts, within a few attempts of the
 * background's (src/wallet/switchboard.ts, PAY_RETRY_MS).
 */
export const WATCH_POLLS = 20;

/** What the window says when a payment stays under way with nobody sending it: Retry is offered. */
const STILL_AWAY: UiErrorInfo = { code: 'transport', messageKey: 'error_transport', params: {} };

export class ConfirmFlow {
  private current: ConfirmState = { phase: 'idle', unsigned: false };
  private readonly listeners = new Set<(state: ConfirmState) => void>();
  private closed = false;

  constructor(
    readonly requestId: string,
    private readonly deps: ConfirmDeps,
  ) {}

  get state(): ConfirmState {
    return this.current;
  }

  /** `listener` hears every change; the returned function stops it. */
  subscribe(listener: (state: ConfirmState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the request, then waits while the merchant has not answered or a payment is under way. */
  async start(): Promise<void> {
    const first = await this.refresh();
    if (first?.state === 'paying') {
      if ((await this.watch('paying'))?.state === 'paying') this.set({ error: STILL_AWAY });
    } else {
      await this.waitForMerchant();
    }
  }

  /** The window is closing (or closed): no more calls, no more changes. */
  dispose(): void {
    this.closed = true;
    this.listeners.clear();
  }

  chooseCard(cardId: string): void {
    this.set({ cardId });
  }

  /** The shopper's choice to pay without the card's certificate; ignored where it is not offered. */
  chooseUnsigned(unsigned: boolean): void {
    if (this.current.phase !== 'idle') return;
    this.set({ unsigned: unsigned && this.current.view?.unsignedOffered === true });
  }

  /**
   * Pay: unlock first when the vault is locked (`passphrase`), then pay with the chosen card. Once
   * the payment is under way (the page heard `paying`), only the background sends it.
   */
  async pay(passphrase: string): Promise<void> {
    const { cardId, phase, vault, view } = this.current;
    if (!cardId || phase !== 'idle' || view?.state !== 'awaitingConfirmation' || this.closed) return;
    this.set({ error: undefined, phase: 'paying' });
    try {
      if (!vault?.unlocked) {
        await this.deps.call({ type: 'vault.unlock', passphrase });
        this.set({ vault: await this.deps.call({ type: 'vault.status' }) });
      }
    } catch (e) {
      this.set({ error: this.deps.errorInfo(e), phase: 'idle' });
      await this.refresh();
      return;
    }
    await this.send(cardId);
  }

  /** Retry, offered when a payment is still `paying` and the background gave up for now. */
  async retry(): Promise<void> {
    const { view, phase } = this.current;
    if (!view?.cardId || view.state !== 'paying' || phase !== 'idle' || this.closed) return;
    const { cardId } = view;
    this.set({ error: undefined, phase: 'paying' });
    await this.send(cardId);
  }

  /** Cancel (or Escape): an open request is rejected and the window closes; a finished one just closes. */
  async cancel(): Promise<void> {
    const { view, phase } = this.current;
    if (phase !== 'idle' || this.closed) return;
    if (view?.state !== 'initiated' && view?.state !== 'awaitingConfirmation') return this.close();
    this.set({ phase: 'cancelling' });
    try {
      await this.deps.call({ type: 'purchase.cancel', requestId: this.requestId });
      this.close();
    } catch (e) {
      this.set({ error: this.deps.errorInfo(e), phase: 'idle' });
      await this.refresh();
    }
  }

  private async send(cardId: string): Promise<void> {
    try {
      // Asked for only by the shopper's own tick, and only where the request offers it.
      const unsigned = this.current.unsigned && this.current.view?.unsignedOffered === true;
      const done = await this.deps.call({
        type: 'purchase.pay',
        requestId: this.requestId,
        cardId,
        ...(unsigned ? { unsigned: true } : {}),
      });
      this.set({ view: done, phase: 'idle' });
    } catch (e) {
      const error = this.deps.errorInfo(e);
      if (error.code === 'backgroundGone') {
        // The service worker stopped under the call: the next one re-sends the same PReq as it
        // starts (this window's next look starts it). Watch, and offer Retry if it stays away.
        if ((await this.watch('reconnecting'))?.state === 'paying') this.set({ error: STILL_AWAY });
      } else {
        // `transport`: the background has re-sent it a few times already; the view says `paying`
        // and the window offers Retry. Anything else: the view says what became of the request.
        this.set({ error });
        await this.refresh();
      }
      this.set({ phase: 'idle' });
    }
  }

  /** Looks again while the request is `paying`, for a while; the last view seen. */
  private async watch(phase: Phase): Promise<PurchaseView | undefined> {
    this.set({ phase });
    let view = this.current.view;
    for (let i = 0; i < WATCH_POLLS && !this.closed; i++) {
      await this.deps.wait(POLL_MS);
      if (this.closed) break;
      view = (await this.refresh()) ?? view;
      if (view?.state !== 'paying') break;
    }
    this.set({ phase: 'idle' });
    return view;
  }

  /** The merchant has not answered PInitReq yet: keep looking (the background fails it after a while). */
  private async waitForMerchant(): Promise<void> {
    while (!this.closed && this.current.view?.state === 'initiated') {
      await this.deps.wait(POLL_MS);
      if (this.closed) return;
      if (!(await this.refresh())) return;
    }
  }

  private async refresh(): Promise<PurchaseView | undefined> {
    if (this.closed) return undefined;
    try {
      const [view, vault] = await Promise.all([
        this.deps.call({ type: 'purchase.get', requestId: this.requestId }),
        this.deps.call({ type: 'vault.status' }),
      ]);
      this.set({ view, vault, cardId: this.current.cardId ?? view.cardId ?? view.preselectedCardId });
      return view;
    } catch (e) {
      this.set({ loadError: this.deps.errorInfo(e) });
      return undefined;
    }
  }

  private close(): void {
    this.dispose();
    this.deps.close();
  }

  private set(change: Partial<ConfirmState>): void {
    if (this.closed) return;
    this.current = { ...this.current, ...change };
    for (const listener of this.listeners) listener(this.current);
  }
}

/**
 * The content script's whole job (docs/architecture.md, "The extension's contexts"): read the tab's
 * initiations, bridge the page's DOM events to the background, and carry SET messages same-origin
 * for the background. It holds no keys, no card data and no passphrase, and decides nothing.
 *
 * The page's DOM event API (documented in docs/merchant-guide.md):
 *
 *   page → wallet   window/document event `set-wallet:request-payment` (pay the declared payment
 *                   initiation) or `set-wallet:request-registration` (register a card with the
 *                   declared registration initiation). The event's detail must be empty (null,
 *                   undefined or {}): what to pay is only ever read from the initiation element.
 *                   The wallet opens a window only when the page asks while it has transient user
 *                   activation (dispatch the event from a click or key handler): without it, the
 *                   page hears `awaitingShopper` and the wallet marks its toolbar button instead.
 *   wallet → page   window event `set-wallet:outcome`, detail PageOutcome:
 *                   {status: 'approved'|'declined'|'pending'|'rejected'|'failed'|'alreadyPending'|
 *                    'awaitingShopper'|'paying', xid?, code?}; never anything about the cardholder's
 *                   cards. `paying` is progress (the shopper chose Pay), then the outcome follows.
 *                   The SDK's <pay-with-set> button (src/merchant/browser) speaks this API.
 *   wallet → page   window event `set-wallet:ready` and the attribute data-set-wallet="ready" on
 *                   <html>, once the wallet has read a valid initiation on this page (the wallet
 *                   announces itself only to pages that declare one).
 */
import { MAX_WIRE_BYTES } from '../protocol/messages/wire-limit.ts';
import {
  isPageRequest,
  PAGE_EVENTS,
  type PageOutcome,
  parseBackgroundToContent,
  parsePageOutcome,
} from '../wallet/bridge-messages.ts';
import type { ContentToBackground, TransportReply } from '../wallet/messages.ts';
import {
  changedInitiations,
  findInitiations,
  type InitiationScope,
  type PageInitiations,
} from './initiation-finder.ts';
import { type FetchLike, postSetMessage } from './page-transport.ts';

export const READY_EVENT = 'set-wallet:ready';
export const READY_ATTRIBUTE = 'data-set-wallet';

/** The parts of the DOM the bridge touches (a Document and a Window; fakes in tests). */
export interface PageBridgeDeps {
  document: InitiationScope & { documentElement: { setAttribute(name: string, value: string): void } };
  window: Pick<EventTarget, 'addEventListener' | 'removeEventListener' | 'dispatchEvent'>;
  /** Calls `onChange` after DOM changes (a MutationObserver on the whole document); returns a stop function. */
  observe(onChange: () => void): () => void;
  /** location.origin of the page. */
  origin: string;
  /** browser.runtime.sendMessage */
  sendToBackground(message: ContentToBackground): Promise<unknown>;
  /** POSTs as the page would (Firefox: content.fetch). */
  fetch: FetchLike;
  /** Makes a value readable by page scripts (Firefox: cloneInto); identity elsewhere. */
  toPage<T>(value: T): T;
  /**
   * navigator.userActivation.isActive, read in the isolated world: whether the page has transient
   * user activation now. False when the browser cannot tell (the wallet then opens nothing).
   */
  userActivation(): boolean;
  /** Whether an input event came from the user (event.isTrusted; a page cannot forge it). */
  isTrusted(event: Event): boolean;
}

export interface PageBridge {
  /** Rescans the document now (the MutationObserver calls it, debounced). */
  scan(): void;
  /** A message from the background; a Promise for the reply, or undefined when it is not for us. */
  onBackgroundMessage(message: unknown): Promise<TransportReply | true> | undefined;
  stop(): void;
}

const RESCAN_DELAY_MS = 50;
/** The input events that give a page transient user activation (HTML "activation triggering input event"). */
export const ACTIVATION_EVENTS = [
  'keydown',
  'mousedown',
  'pointerdown',
  'pointerup',
  'touchend',
  'click',
] as const;

export function startPageBridge(d: PageBridgeDeps): PageBridge {
  let found: PageInitiations = {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  let announced = false;
  /**
   * A trusted activating input event reached this page since the last request that used one. With
   * navigator.userActivation, this makes one click or key press good for one window at most: the
   * browser's activation lasts seconds, and a page could otherwise ask again and again within it.
   * A page that hides input events from us (stopImmediatePropagation in an earlier capture
   * listener) only loses its own windows.
   */
  let unusedGesture = false;
  const onInput = (event: Event) => {
    if (d.isTrusted(event)) unusedGesture = true;
  };
  /** Every listener on the window, so stop() removes exactly these. */
  const listeners: [string, (event: Event) => void, boolean][] = [];
  const listen = (type: string, listener: (event: Event) => void, capture = true) => {
    listeners.push([type, listener, capture]);
    d.window.addEventListener(type, listener, { capture });
  };
  for (const type of ACTIVATION_EVENTS) listen(type, onInput);
  /** The wallet's own finding, at the moment the page asks: a fresh gesture with activation still on. */
  const takeGesture = (): boolean => {
    const gesture = unusedGesture && d.userActivation();
    if (gesture) unusedGesture = false;
    return gesture;
  };

  const tellPage = (outcome: PageOutcome) => {
    const parsed = parsePageOutcome(outcome);
    if (!parsed) return;
    d.window.dispatchEvent(new CustomEvent(PAGE_EVENTS.outcome, { detail: d.toPage(parsed) }));
  };

  const send = (message: ContentToBackground) =>
    d.sendToBackground(message).catch(() => {
      // The extension was updated or disabled under this page: say so instead of hanging.
      if (message.type !== 'initiationFound') tellPage({ status: 'failed', code: 'walletUnavailable' });
    });

  const scan = () => {
    timer = undefined;
    const next = findInitiations(d.document, d.origin);
    const changed = changedInitiations(found, next);
    found = next;
    for (const i of changed) void send({ type: 'initiationFound', kind: i.kind, initiation: i.text });
    if (!announced && (found.payment || found.registration)) {
      announced = true;
      d.document.documentElement.setAttribute(READY_ATTRIBUTE, 'ready');
      d.window.dispatchEvent(new CustomEvent(READY_EVENT));
    }
  };

  const schedule = () => {
    timer ??= setTimeout(scan, RESCAN_DELAY_MS);
  };

  const onPageRequest = (kind: 'payment' | 'registration') => (event: Event) => {
    // The page only asks: a detail that says anything is refused, so no page can steer a payment.
    const detail = (event as CustomEvent).detail as unknown;
    if (!isPageRequest(detail)) {
      tellPage({ status: 'failed', code: 'badMessage' });
      return;
    }
    // Read now, synchronously in the page's dispatch: activation expires, and a later read would
    // see a gesture that came after the request.
    const gesture = takeGesture();
    scan();
    const initiation = found[kind];
    if (!initiation) {
      tellPage({ status: 'failed', code: 'noInitiation' });
      return;
    }
    void send(
      kind === 'payment'
        ? { type: 'requestPayment', initiation: initiation.text, gesture }
        : { type: 'requestRegistration', initiation: initiation.text, gesture },
    );
  };

  // Capture on window: sees events dispatched on window and on document (bubbling or not).
  listen(PAGE_EVENTS.requestPayment, onPageRequest('payment'));
  listen(PAGE_EVENTS.requestRegistration, onPageRequest('registration'));

  // A page restored from the back/forward cache: the background forgot its initiations on the
  // navigation away, so report them again.
  listen(
    'pageshow',
    (event) => {
      if ((event as Event & { persisted?: boolean }).persisted) {
        found = {};
        scan();
      }
    },
    false,
  );

  const stopObserving = d.observe(schedule);
  scan();

  return {
    scan,
    onBackgroundMessage(raw) {
      const message = parseBackgroundToContent(raw, MAX_WIRE_BYTES);
      if (!message) return undefined;
      if (message.type === 'outcome') {
        tellPage(message.outcome);
        return Promise.resolve(true);
      }
      return postSetMessage(d.fetch, message.url, message.body, d.origin);
    },
    stop() {
      stopObserving();
      if (timer !== undefined) clearTimeout(timer);
      for (const [type, listener, capture] of listeners)
        d.window.removeEventListener(type, listener, { capture });
    },
  };
}

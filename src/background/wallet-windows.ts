/**
 * The wallet's own windows, opened with windows.create (no permission needed): one confirmation
 * window per payment request and one registration window per issuer tab. Which window belongs to
 * what is kept in storage.session, so a service worker restarted meanwhile still knows which
 * request to reject when its window is closed.
 */
import { type SessionArea, sessionGet } from '../wallet/platform.ts';

export interface WindowsApi {
  create(options: {
    url: string;
    type: 'popup';
    width: number;
    height: number;
    focused?: boolean;
  }): Promise<{ id?: number | undefined } | undefined>;
  update(windowId: number, options: { focused?: boolean }): Promise<unknown>;
  remove(windowId: number): Promise<void>;
}

export type WindowOwner =
  | { kind: 'confirm'; requestId: string }
  /**
   * A tab's window before it has a request: the page asked, and the shopper says whether to go on
   * (`confirm.html?tab=`), or the request could not start and the window says why (`error`).
   */
  | { kind: 'ask'; tabId: number; error?: boolean }
  | { kind: 'register'; tabId: number; registrationId?: string };

const PREFIX = 'ui.window.';
const SIZE = { confirm: { width: 440, height: 720 }, register: { width: 480, height: 760 } } as const;

const keyOf = (owner: WindowOwner) =>
  owner.kind === 'confirm' ? `${PREFIX}confirm.${owner.requestId}` : `${PREFIX}${owner.kind}.${owner.tabId}`;

interface Kept {
  windowId: number;
  owner: WindowOwner;
}

export class WalletWindows {
  constructor(
    private readonly session: SessionArea,
    private readonly windows: WindowsApi,
    /** runtime.getURL */
    private readonly pageUrl: (path: string) => string,
  ) {}

  /**
   * Opens the confirmation window of a payment request; if it has one, brings it forward only when
   * `focus` (the shopper asked in the wallet, never when a page asked again).
   */
  openConfirmation(requestId: string, focus = true): Promise<void> {
    return this.open(
      { kind: 'confirm', requestId },
      `/confirm.html?request=${encodeURIComponent(requestId)}`,
      SIZE.confirm,
      focus,
    );
  }

  /** The page asked to pay at an origin not verified yet: a window that asks the shopper first. */
  openAsk(tabId: number): Promise<void> {
    return this.open({ kind: 'ask', tabId }, `/confirm.html?tab=${tabId}`, SIZE.confirm, false);
  }

  /** A request that could not even start: a confirmation window of the tab that only explains why. */
  openConfirmationError(
    tabId: number,
    error: { messageKey: string; params: Record<string, string | number> },
  ) {
    return this.open(
      { kind: 'ask', tabId, error: true },
      `/confirm.html?error=${encodeURIComponent(JSON.stringify(error))}`,
      SIZE.confirm,
      false,
    );
  }

  /** The tab's ask window now shows why the request could not start: closing it says nothing more. */
  async answered(windowId: number): Promise<void> {
    const kept = await this.find(windowId);
    if (kept?.owner.kind !== 'ask') return;
    await this.session.set({
      [keyOf(kept.owner)]: { windowId, owner: { ...kept.owner, error: true } } satisfies Kept,
    });
  }

  /** The tab's ask window now shows request `requestId`: closing it rejects that request. */
  async adopt(windowId: number, requestId: string): Promise<boolean> {
    const kept = await this.find(windowId);
    if (kept?.owner.kind !== 'ask' || kept.owner.error) return false;
    const owner: WindowOwner = { kind: 'confirm', requestId };
    await this.session.set({ [keyOf(owner)]: { windowId, owner } satisfies Kept });
    await this.session.remove(keyOf(kept.owner));
    return true;
  }

  /** Opens the registration window for an issuer tab; if it has one, focuses it only when `focus`. */
  openRegistration(tabId: number, focus = true): Promise<void> {
    return this.open({ kind: 'register', tabId }, `/register.html?tab=${tabId}`, SIZE.register, focus);
  }

  /** The registration a registration window runs, so closing it ends the registration. */
  async noteRegistration(windowId: number, registrationId: string): Promise<void> {
    const kept = await this.find(windowId);
    if (kept?.owner.kind !== 'register') return;
    await this.session.set({
      [keyOf(kept.owner)]: { windowId, owner: { ...kept.owner, registrationId } } satisfies Kept,
    });
  }

  async windowOf(owner: WindowOwner): Promise<number | undefined> {
    return (await sessionGet<Kept>(this.session, keyOf(owner)))?.windowId;
  }

  /** windows.onRemoved: what the window was for (and forgets it), or undefined if not ours. */
  async released(windowId: number): Promise<WindowOwner | undefined> {
    const kept = await this.find(windowId);
    if (!kept) return undefined;
    await this.session.remove(keyOf(kept.owner));
    return kept.owner;
  }

  /** Closes the window of `owner`, if it has one (its onRemoved then runs as usual). */
  async close(owner: WindowOwner): Promise<void> {
    const id = await this.windowOf(owner);
    if (id !== undefined) await this.windows.remove(id).catch(() => {});
  }

  private async open(
    owner: WindowOwner,
    path: string,
    size: { width: number; height: number },
    focusExisting = true,
  ) {
    const existing = await this.windowOf(owner);
    if (existing !== undefined) {
      try {
        // Without focusing, update({}) still tells whether the window is there.
        await this.windows.update(existing, focusExisting ? { focused: true } : {});
        return;
      } catch {
        // Closed while the worker was stopped: open a new one.
      }
    }
    const created = await this.windows.create({
      url: this.pageUrl(path),
      type: 'popup',
      ...size,
      focused: true,
    });
    if (created?.id !== undefined) {
      await this.session.set({ [keyOf(owner)]: { windowId: created.id, owner } satisfies Kept });
    }
  }

  private async find(windowId: number): Promise<Kept | undefined> {
    const all = await this.session.get(null);
    for (const [key, value] of Object.entries(all)) {
      if (key.startsWith(PREFIX) && (value as Kept).windowId === windowId) return value as Kept;
    }
    return undefined;
  }
}

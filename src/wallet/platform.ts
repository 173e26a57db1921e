/**
 * The browser APIs the wallet uses, passed in rather than imported, so the same code runs in the
 * extension's background (WXT's `browser`, the browser's own API) and under vitest (fake-indexeddb and
 * WXT's fake browser). Each interface is the subset of the WebExtension API the wallet calls.
 */

/** `browser.storage.session`: memory-only, cleared when the browser restarts (MV3). */
export interface SessionArea {
  get(keys: string | string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

/** `browser.alarms`: creating an alarm with an existing name replaces it. */
export interface Alarms {
  create(name: string, info: { delayInMinutes?: number; when?: number }): void | Promise<void>;
  clear(name: string): Promise<boolean>;
}

export interface WalletPlatform {
  /** IndexedDB: `globalThis.indexedDB` in the extension, `new IDBFactory()` from fake-indexeddb in tests. */
  indexedDB: IDBFactory;
  session: SessionArea;
  alarms: Alarms;
  /** The wallet's clock; tests move it to cross idle times and back-off delays. */
  now: () => Date;
  /** The background's fetch, for asking a merchant about a receipt (default: the global fetch). */
  fetch?: typeof fetch;
}

/** Reads one key of the session area. */
export async function sessionGet<T>(session: SessionArea, key: string): Promise<T | undefined> {
  const got = await session.get(key);
  return got[key] as T | undefined;
}

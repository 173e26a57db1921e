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
  /**
   * The wallet's interface language (`browser.i18n.getUILanguage()`), a BCP 47 tag: RegFormReq
   * carries it so the CCA answers with its form in that language. Absent: English.
   */
  language?: () => string;
}

/** The platform's language as SET's Language field takes it ("de", "en-US"), else English. */
export function walletLanguage(platform: Pick<WalletPlatform, 'language'>): string {
  const tag = (platform.language?.() ?? '').replace(/_/g, '-');
  return /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag) && tag.length <= 35 ? tag : 'en';
}

/** Reads one key of the session area. */
export async function sessionGet<T>(session: SessionArea, key: string): Promise<T | undefined> {
  const got = await session.get(key);
  return got[key] as T | undefined;
}

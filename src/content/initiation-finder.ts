/**
 * Finding a page's SET initiations (SET-PROFILE §5): the `<script type="application/set-…+json">`
 * elements a checkout or issuer page declares. DOM-light so tests pass a fake: the caller hands
 * in anything with querySelectorAll. Each element's text is checked for size before it is parsed
 * (with src/protocol's hand-written checkInitiation, the rules of its initiation parsers, against
 * the page's origin); the first valid element of each kind wins. The raw text goes to the background, which parses it again with the browser's origin.
 */
import {
  checkInitiation,
  MAX_INITIATION_BYTES,
  PAYMENT_INITIATION_TYPE,
  REGISTRATION_INITIATION_TYPE,
} from '../protocol/initiation-check.ts';

export type InitiationKind = 'payment' | 'registration';

export interface PageInitiation {
  kind: InitiationKind;
  /** The element's JSON text as the page wrote it. */
  text: string;
  /** The declared endpoint resolved against the page's origin (same origin by construction). */
  endpointUrl: string;
}

export type PageInitiations = Partial<Record<InitiationKind, PageInitiation>>;

/** Anything to search: a Document, an Element, or a test's fake. */
export interface InitiationScope {
  querySelectorAll(selectors: string): ArrayLike<{ textContent: string | null }>;
}

export const INITIATION_TYPES: Record<InitiationKind, string> = {
  payment: PAYMENT_INITIATION_TYPE,
  registration: REGISTRATION_INITIATION_TYPE,
};

/** A page declaring more than this many elements of a kind is not read past them. */
export const MAX_ELEMENTS_PER_KIND = 8;

export function initiationSelector(kind: InitiationKind): string {
  return `script[type="${INITIATION_TYPES[kind]}"]`;
}

/** The first valid initiation of `kind` in `scope`, or undefined. */
export function findInitiation(
  scope: InitiationScope,
  kind: InitiationKind,
  pageOrigin: string,
): PageInitiation | undefined {
  const elements = scope.querySelectorAll(initiationSelector(kind));
  const count = Math.min(elements.length, MAX_ELEMENTS_PER_KIND);
  for (let i = 0; i < count; i++) {
    const text = elements[i]?.textContent ?? '';
    // A UTF-16 length over the byte limit is over it in UTF-8 too: refuse before parsing.
    if (text.length === 0 || text.length > MAX_INITIATION_BYTES) continue;
    // Not a valid initiation: the page's mistake, not ours. Try the next element.
    const endpointUrl = checkInitiation(kind, text, pageOrigin);
    if (endpointUrl !== undefined) return { kind, text, endpointUrl };
  }
  return undefined;
}

export function findInitiations(scope: InitiationScope, pageOrigin: string): PageInitiations {
  const found: PageInitiations = {};
  for (const kind of ['payment', 'registration'] as const) {
    const i = findInitiation(scope, kind, pageOrigin);
    if (i) found[kind] = i;
  }
  return found;
}

/** The kinds whose initiation appeared or changed between two scans (a removal is not reported). */
export function changedInitiations(before: PageInitiations, after: PageInitiations): PageInitiation[] {
  return (['payment', 'registration'] as const)
    .map((kind) => after[kind])
    .filter((i): i is PageInitiation => i !== undefined && before[i.kind]?.text !== i.text);
}

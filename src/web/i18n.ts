/**
 * The languages of the sandbox's server-rendered sites (the issuer site, the gateway dashboard,
 * the demo store): one mechanism, a catalogue per site and per language.
 *
 * - The language: a `?lang=xx` link (every page's language switcher) sets the `set_lang` cookie and
 *   redirects to the same address without it; otherwise the cookie; otherwise the browser's
 *   `Accept-Language` (RFC 9110 §12.5.4, q-values, matched by RFC 4647 §3.4 lookup); else English.
 * - The text: `SiteText.t(key, vars)` looks the key up in the site's catalogue for that language and
 *   returns SafeHtml. The catalogue's text is escaped like any other value (src/web/html.ts); only
 *   `<strong>`, `<em>` and `<code>` without attributes are kept as markup. `{name}` placeholders
 *   take `vars`: strings and numbers are escaped, SafeHtml (a link, a `<time>`) is kept.
 * - Amounts and dates: src/protocol/amount.ts's formatAmount and Intl.DateTimeFormat in the page's
 *   language. Server pages do not know the reader's time zone, so times are in UTC and say so.
 */
import { amountDecimal, formatAmount } from '../protocol/amount.ts';
import { escapeHtml, html, SafeHtml } from './html.ts';

export const SITE_LOCALES = ['en', 'de', 'fr', 'es'] as const;
export type SiteLocale = (typeof SITE_LOCALES)[number];

/** Each language in its own words, for the switcher. */
export const LOCALE_NAMES: Readonly<Record<SiteLocale, string>> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
};

/** A site's messages in one language: key → text with `{name}` placeholders. */
export type Catalogue<K extends string = string> = Readonly<Record<K, string>>;
/** A site's catalogues, one per language; English names the keys. */
export type Catalogues<K extends string = string> = Readonly<Record<SiteLocale, Catalogue<K>>>;

export const LANGUAGE_COOKIE = 'set_lang';
/** The query parameter of the language switcher's links. */
export const LANGUAGE_PARAM = 'lang';
const LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600;
const MAX_ACCEPT_LANGUAGE = 512;
const MAX_RANGES = 32;

function isSiteLocale(tag: string): tag is SiteLocale {
  return (SITE_LOCALES as readonly string[]).includes(tag);
}

/**
 * The supported language for one BCP 47 tag ("de-CH" → "de", "FR" → "fr"), by RFC 4647 lookup:
 * the tag, then shorter by one subtag at a time. Undefined when none is supported.
 */
export function matchLocale(tag: string): SiteLocale | undefined {
  let range = tag.trim().toLowerCase();
  if (range.length > 35 || !/^[a-z0-9-]+$/.test(range)) return undefined;
  while (range) {
    if (isSiteLocale(range)) return range;
    const cut = range.lastIndexOf('-');
    range = cut > 0 ? range.slice(0, cut) : '';
  }
  return undefined;
}

/**
 * The language of an `Accept-Language` header: the supported language of the highest-weighted
 * range (ties in the header's order), "*" meaning English; English when none matches.
 */
export function negotiateLocale(acceptLanguage: string | null | undefined): SiteLocale {
  if (!acceptLanguage) return 'en';
  const ranges = acceptLanguage
    .slice(0, MAX_ACCEPT_LANGUAGE)
    .split(',')
    .slice(0, MAX_RANGES)
    .map((part, index) => {
      const [range = '', ...params] = part.split(';').map((s) => s.trim());
      const q = params.find((p) => /^q=/i.test(p));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { range, weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((r) => r.range && r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { range } of ranges) {
    if (range === '*') return 'en';
    const locale = matchLocale(range);
    if (locale) return locale;
  }
  return 'en';
}

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The language a request's page is in: the switcher's cookie, else Accept-Language. */
export function requestLocale(request: Request): SiteLocale {
  const chosen = cookieValue(request.headers.get('cookie'), LANGUAGE_COOKIE);
  if (chosen && isSiteLocale(chosen)) return chosen;
  return negotiateLocale(request.headers.get('accept-language'));
}

/**
 * The language switcher's answer to a GET with `?lang=xx`: a 303 to the same address without the
 * parameter, setting the cookie (or, for an unsupported value, without setting it). Undefined for
 * any other request. The cookie is not a credential: choosing a language changes only the words.
 */
export function languageSwitch(request: Request): Response | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  const url = new URL(request.url);
  const asked = url.searchParams.get(LANGUAGE_PARAM);
  if (asked === null) return undefined;
  url.searchParams.delete(LANGUAGE_PARAM);
  const headers = new Headers({
    location: `${url.pathname}${url.search}`,
    'cache-control': 'no-store',
  });
  if (isSiteLocale(asked)) {
    headers.set(
      'set-cookie',
      `${LANGUAGE_COOKIE}=${asked}; Path=/; Max-Age=${LANGUAGE_COOKIE_SECONDS}; SameSite=Lax`,
    );
  }
  return new Response(null, { status: 303, headers });
}

/** The headers of a page in `locale`: what it is in, and what chose it. */
export function languageHeaders(locale: SiteLocale): Record<string, string> {
  return { 'content-language': locale, vary: 'Accept-Language, Cookie' };
}

type Var = SafeHtml | string | number;
/** A SET amount (src/protocol's Amount), named through the one module src/web formats it with. */
type Amount = Parameters<typeof formatAmount>[0];

/** Markup a catalogue may keep: these three elements, without attributes. */
const KEPT_MARKUP = /&lt;(\/?)(strong|em|code)&gt;/g;

/** A catalogue text rendered: escaped, the kept markup restored, `{name}` replaced by `vars`. */
export function renderMessage(text: string, vars: Readonly<Record<string, Var>> = {}): SafeHtml {
  const out = text.split(/(\{[A-Za-z][A-Za-z0-9]*\})/).map((part) => {
    const name = /^\{([A-Za-z][A-Za-z0-9]*)\}$/.exec(part)?.[1];
    if (name === undefined) return escapeHtml(part).replace(KEPT_MARKUP, '<$1$2>');
    const value = vars[name];
    if (value === undefined) throw new RangeError(`message placeholder {${name}} has no value`);
    return html`${value}`.value;
  });
  return new SafeHtml(out.join(''));
}

/** The `{name}` placeholders of a catalogue text, sorted. */
export function placeholdersOf(text: string): string[] {
  return [...text.matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)].map((m) => m[1]!).sort();
}

/** The markup a catalogue text keeps (`<strong>`, `</code>`…), sorted. */
export function markupOf(text: string): string[] {
  return [...text.matchAll(/<\/?(?:strong|em|code)>/g)].map((m) => m[0]).sort();
}

/** One page's words, amounts and dates, in one language. */
export class SiteText<K extends string> {
  readonly locale: SiteLocale;
  private readonly catalogue: Catalogue<K>;

  constructor(catalogues: Catalogues<K>, locale: SiteLocale) {
    this.locale = locale;
    this.catalogue = catalogues[locale];
  }

  /** The message as HTML, escaped. */
  t(key: K, vars?: Readonly<Record<string, Var>>): SafeHtml {
    return renderMessage(this.catalogue[key], vars);
  }

  /** The message as plain text (a header, a `<title>`), its placeholders replaced by `vars`. */
  text(key: K, vars?: Readonly<Record<string, string | number>>): string {
    return this.catalogue[key].replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, name: string) => {
      const value = vars?.[name];
      if (value === undefined) throw new RangeError(`message placeholder {${name}} has no value`);
      return String(value);
    });
  }

  /** An amount in its currency, in this language ("12,99 €"). */
  amount(amount: Amount): string {
    return formatAmount(amount, this.locale);
  }

  /** An amount as a form's default value, with this language's decimal sign ("12,99"). */
  amountInput(amount: Amount): string {
    const decimal = amountDecimal(amount);
    const sign = new Intl.NumberFormat(this.locale).formatToParts(1.5).find((p) => p.type === 'decimal');
    return sign ? decimal.replace('.', sign.value) : decimal;
  }

  /** A whole number in this language ("1.234"). */
  number(n: number): string {
    return new Intl.NumberFormat(this.locale).format(n);
  }

  /** The date (UTC) in a `<time>` element. */
  date(at: Date | string): SafeHtml {
    const d = new Date(at);
    const words = new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
    return html`<time datetime="${d.toISOString()}">${words}</time>`;
  }

  /** The date and time (UTC, said so) in a `<time>` element. */
  dateTime(at: Date | string): SafeHtml {
    const d = new Date(at);
    const words = new Intl.DateTimeFormat(this.locale, {
      dateStyle: 'medium',
      timeStyle: 'medium',
      timeZone: 'UTC',
    }).format(d);
    return html`<time datetime="${d.toISOString()}">${words} UTC</time>`;
  }

  /**
   * The language switcher: a link per language, the current one marked. Each is `?lang=xx`, this
   * page's own path (RFC 3986 §5.2), so a page never repeats its address or query (an order id,
   * a sign-in token) into its markup; the switch drops the page's query.
   */
  switcher(label: string): SafeHtml {
    const links = SITE_LOCALES.map((locale) => {
      const href = `?${LANGUAGE_PARAM}=${locale}`;
      return locale === this.locale
        ? html`<li><a href="${href}" lang="${locale}" hreflang="${locale}" aria-current="true">${LOCALE_NAMES[locale]}</a></li>`
        : html`<li><a href="${href}" lang="${locale}" hreflang="${locale}">${LOCALE_NAMES[locale]}</a></li>`;
    });
    return html`<nav class="languages" aria-label="${label}"><ul>${links}</ul></nav>`;
  }
}

/** A request's SiteText for a site's catalogues. */
export function siteTextFor<K extends string>(catalogues: Catalogues<K>, request: Request): SiteText<K> {
  return new SiteText(catalogues, requestLocale(request));
}

// The sandbox sites' languages (src/web/i18n.ts): every catalogue of the issuer site, the gateway
// dashboard and the demo store has exactly English's keys, with the same placeholders and markup,
// and translated (a sentence equal to the English is a string someone forgot); every key the code
// names exists in English; the language comes from the switcher's cookie, else Accept-Language;
// the CCA's registration forms ask the same fields in every language; and a catalogue's text and
// the values put into it are escaped.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CARDHOLDER_FORM,
  DEFAULT_GATEWAY_FORM,
  DEFAULT_MERCHANT_FORM,
  regFormIn,
} from '../../src/ca/reg-forms.ts';
import { CA_TEXT } from '../../src/ca/text/index.ts';
import { GATEWAY_TEXT } from '../../src/gateway/text/index.ts';
import { RegForm } from '../../src/protocol/index.ts';
import { STORE_TEXT } from '../../src/store/text/index.ts';
import { html } from '../../src/web/html.ts';
import {
  type Catalogues,
  LANGUAGE_COOKIE,
  languageSwitch,
  markupOf,
  matchLocale,
  negotiateLocale,
  placeholdersOf,
  renderMessage,
  requestLocale,
  SITE_LOCALES,
  SiteText,
} from '../../src/web/i18n.ts';

const ROOT = join(import.meta.dirname, '../..');
const SITES: { name: string; folder: string; catalogues: Catalogues }[] = [
  { name: 'issuer site', folder: 'src/ca', catalogues: CA_TEXT },
  { name: 'gateway dashboard', folder: 'src/gateway', catalogues: GATEWAY_TEXT },
  { name: 'demo store', folder: 'src/store', catalogues: STORE_TEXT },
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'text' ? [] : sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** A sentence is a string someone must translate; a label of one or two words may stay (Status, XID). */
const isSentence = (text: string) =>
  text
    .replace(/\{\w+\}|<\/?\w+>/g, '')
    .split(/\s+/)
    .filter((word) => /\p{L}{2}/u.test(word)).length > 2;

describe.each(SITES)('the $name', ({ folder, catalogues }) => {
  const english = catalogues.en;

  it.each(SITE_LOCALES.filter((l) => l !== 'en'))(
    '%s has every English key and no other, translated',
    (locale) => {
      const catalogue = catalogues[locale];
      expect(Object.keys(catalogue).sort()).toEqual(Object.keys(english).sort());
      for (const [key, text] of Object.entries(catalogue)) {
        expect(text.trim(), `${locale}.${key}`).not.toBe('');
        if (isSentence(english[key]!))
          expect(text, `${locale}.${key} is still English`).not.toBe(english[key]);
      }
    },
  );

  it.each(SITE_LOCALES)('%s keeps each message’s placeholders and markup', (locale) => {
    for (const [key, text] of Object.entries(catalogues[locale])) {
      expect(placeholdersOf(text), `${locale}.${key}`).toEqual(placeholdersOf(english[key]!));
      expect(markupOf(text), `${locale}.${key}`).toEqual(markupOf(english[key]!));
      // Braces are placeholders only: a stray one would print as it is.
      expect(text.replace(/\{[A-Za-z][A-Za-z0-9]*\}/g, ''), `${locale}.${key}`).not.toMatch(/[{}]/);
    }
  });

  it('names in its code only keys English has', () => {
    const used = new Set<string>();
    for (const file of sources(join(ROOT, folder))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\.(?:t|text)\(\s*'([A-Za-z][A-Za-z0-9]*)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(
        /(?:Title|title|heading|button|label|key|text)\s*[:=,]\s*'([a-z][A-Za-z0-9]*)'/g,
      )) {
        if (file.includes('/pages/') || file.endsWith('app.ts') || file.endsWith('site.ts')) used.add(m[1]!);
      }
    }
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((k) => !Object.hasOwn(english, k) && /[A-Z]/.test(k));
    expect(missing).toEqual([]);
  });
});

describe('choosing the language', () => {
  it('matches a tag to a supported language by lookup', () => {
    expect(matchLocale('de-CH')).toBe('de');
    expect(matchLocale('FR')).toBe('fr');
    expect(matchLocale('es-419')).toBe('es');
    expect(matchLocale('pt-BR')).toBeUndefined();
    expect(matchLocale('de;DROP')).toBeUndefined();
    expect(matchLocale('x'.repeat(100))).toBeUndefined();
  });

  it('reads Accept-Language by weight, in order for ties, English when nothing matches', () => {
    expect(negotiateLocale('de-DE,de;q=0.9,en;q=0.8')).toBe('de');
    expect(negotiateLocale('pt-BR, fr;q=0.5, es;q=0.7')).toBe('es');
    expect(negotiateLocale('en;q=0.1, fr')).toBe('fr');
    expect(negotiateLocale('fr;q=0, de;q=0.2')).toBe('de');
    expect(negotiateLocale('*, de;q=0.5')).toBe('en');
    expect(negotiateLocale('ja, zh')).toBe('en');
    expect(negotiateLocale(undefined)).toBe('en');
    expect(negotiateLocale(`${'xx;q=0.9,'.repeat(500)}de`)).toBe('en');
    expect(negotiateLocale('de;q=abc, es')).toBe('es');
  });

  it('takes the switcher’s cookie over Accept-Language, and ignores a cookie it does not know', () => {
    const req = (cookie: string) =>
      new Request('http://shop.test/', { headers: { cookie, 'accept-language': 'fr' } });
    expect(requestLocale(req(`other=1; ${LANGUAGE_COOKIE}=es`))).toBe('es');
    expect(requestLocale(req(`${LANGUAGE_COOKIE}=xx`))).toBe('fr');
    expect(requestLocale(req(`${LANGUAGE_COOKIE}=<script>`))).toBe('fr');
  });

  it('the switcher’s link sets the cookie and redirects to the same page, keeping its query', () => {
    const res = languageSwitch(new Request('http://shop.test/orders/1?done=capture&lang=de'));
    expect(res?.status).toBe(303);
    expect(res?.headers.get('location')).toBe('/orders/1?done=capture');
    expect(res?.headers.get('set-cookie')).toMatch(/^set_lang=de; Path=\/; Max-Age=\d+; SameSite=Lax$/);
    const unknown = languageSwitch(new Request('http://shop.test/?lang=%3Cscript%3E'));
    expect(unknown?.status).toBe(303);
    expect(unknown?.headers.get('set-cookie')).toBeNull();
    expect(languageSwitch(new Request('http://shop.test/cart'))).toBeUndefined();
    expect(languageSwitch(new Request('http://shop.test/cart?lang=de', { method: 'POST' }))).toBeUndefined();
  });

  it('links every language from every page, the current one marked', () => {
    const tx = new SiteText(STORE_TEXT, 'de');
    const nav = tx.switcher(tx.text('languages')).value;
    expect(nav).toContain('aria-label="Sprache"');
    // Relative to the page itself, so the page never repeats its address (an order id, a token).
    expect(nav).toContain('href="?lang=de" lang="de" hreflang="de" aria-current="true">Deutsch</a>');
    expect(nav).toContain('href="?lang=fr" lang="fr" hreflang="fr">Français</a>');
    for (const name of ['English', 'Français', 'Español']) expect(nav).toContain(`>${name}</a>`);
  });
});

describe('formatting for the language', () => {
  const eur = { currency: 'EUR', value: 123456, exponent: 2 };
  it('amounts through src/protocol/amount.ts, and form values with the language’s decimal sign', () => {
    const at = (l: 'en' | 'de' | 'fr' | 'es') => new SiteText(STORE_TEXT, l);
    expect(at('en').amount(eur)).toBe('€1,234.56');
    expect(at('de').amount(eur)).toBe('1.234,56\u00a0€');
    expect(at('fr').amount(eur)).toMatch(/^1\s234,56\s€$/);
    expect(at('es').amount(eur)).toBe('1234,56\u00a0€');
    expect(at('de').amountInput(eur)).toBe('1234,56');
    expect(at('en').amountInput(eur)).toBe('1234.56');
  });

  it('dates in UTC, said so', () => {
    const d = new Date('2026-11-30T07:05:09Z');
    expect(new SiteText(STORE_TEXT, 'de').dateTime(d).value).toBe(
      '<time datetime="2026-11-30T07:05:09.000Z">30.11.2026, 07:05:09 UTC</time>',
    );
    expect(new SiteText(STORE_TEXT, 'fr').date(d).value).toContain('>30 nov. 2026<');
    expect(new SiteText(STORE_TEXT, 'es').date(d).value).toContain('>30 nov 2026<');
  });
});

describe('rendering a message', () => {
  it('escapes the catalogue’s text and its values, and keeps only its strong, em and code', () => {
    const out = renderMessage('<strong>A</strong> & {x} <a href="y">{link}</a> <code>c</code>', {
      x: '<img src=x onerror=alert(1)>',
      link: html`<a href="/ok">ok</a>`,
    }).value;
    expect(out).toBe(
      '<strong>A</strong> &amp; &lt;img src=x onerror=alert(1)&gt; &lt;a href=&quot;y&quot;&gt;<a href="/ok">ok</a>&lt;/a&gt; <code>c</code>',
    );
    // An element with attributes stays text (a lone closing tag is harmless).
    expect(renderMessage('<strong onclick="x">no</strong>').value).toBe(
      '&lt;strong onclick=&quot;x&quot;&gt;no</strong>',
    );
  });

  it('refuses a placeholder without a value rather than printing it', () => {
    expect(() => renderMessage('Hello {name}')).toThrow(RangeError);
    expect(() => new SiteText(CA_TEXT, 'de').text('formTooLarge')).toThrow(RangeError);
    expect(new SiteText(CA_TEXT, 'de').text('formTooLarge', { bytes: 4096 })).toBe(
      'Das Formular ist größer als 4096 Bytes.',
    );
  });
});

describe('the CCA’s registration forms', () => {
  const FORMS = {
    cardholder: DEFAULT_CARDHOLDER_FORM,
    merchant: DEFAULT_MERCHANT_FORM,
    gateway: DEFAULT_GATEWAY_FORM,
  };
  it.each(Object.entries(FORMS))(
    'the %s form asks the same fields in every language, in its words',
    (_, forms) => {
      const shape = (f: RegForm) => f.fields.map(({ label: _label, ...rest }) => rest);
      for (const locale of SITE_LOCALES) {
        const form = forms[locale];
        expect(form, locale).toBeDefined();
        expect(v.is(RegForm, form), locale).toBe(true);
        expect(shape(form!)).toEqual(shape(forms.en));
        if (locale !== 'en') expect(form!.policy).not.toBe(forms.en.policy);
      }
    },
  );

  it('answers a request’s language by lookup, else in English', () => {
    expect(regFormIn(DEFAULT_CARDHOLDER_FORM, 'de-AT').fields[0]!.label).toBe('Name auf der Karte');
    expect(regFormIn(DEFAULT_CARDHOLDER_FORM, 'fr').fields[0]!.label).toBe('Nom sur la carte');
    expect(regFormIn(DEFAULT_CARDHOLDER_FORM, 'es-MX').fields[0]!.label).toBe('Nombre en la tarjeta');
    expect(regFormIn(DEFAULT_CARDHOLDER_FORM, 'pt-BR')).toBe(DEFAULT_CARDHOLDER_FORM.en);
    expect(regFormIn(DEFAULT_CARDHOLDER_FORM, 'constructor')).toBe(DEFAULT_CARDHOLDER_FORM.en);
  });
});

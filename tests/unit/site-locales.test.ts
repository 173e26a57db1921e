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
import type { BatchRecord } from '../../src/gateway/batches.ts';
import { batchesPage, batchPage } from '../../src/gateway/dashboard-batches.ts';
import { GATEWAY_TEXT } from '../../src/gateway/text/index.ts';
import { type BatchItem, type BatchTotal, RegForm } from '../../src/protocol/index.ts';
import { settlementFlash, settlementPage } from '../../src/store/pages/settlement-page.ts';
import type { ReconciledBatch } from '../../src/store/settlement.ts';
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

describe('the batch and settlement pages (gateway dashboard, store back office)', () => {
  const eur = (value: number) => ({ currency: 'EUR', exponent: 2, value });
  const settled: BatchRecord = {
    batchId: 7,
    merchantId: 'M1234',
    merchantIssuer: 'mca',
    state: 'settled',
    openedBy: 'gateway',
    openedAt: '2026-11-30T07:05:09.000Z',
    settledAt: '2026-11-30T19:45:00.000Z',
    itemCount: 3,
    settlement: [{ currency: 'EUR', exponent: 2, captured: 3699, credited: 450, net: 3249 }],
  };
  const owing: BatchRecord = {
    ...settled,
    batchId: 8,
    openedBy: 'merchant',
    settlement: [{ currency: 'EUR', exponent: 2, captured: 0, credited: 450, net: -450 }],
  };
  const open: BatchRecord = { ...settled, batchId: 9, state: 'open', itemCount: 1 };
  delete open.settledAt;
  delete open.settlement;
  const items: BatchItem[] = [
    {
      seq: 1,
      xid: 'x'.repeat(43),
      lidM: 'ord-1',
      kind: 'capture',
      source: 'merchant',
      amount: eur(3699),
      at: settled.openedAt,
    },
    {
      seq: 2,
      xid: 'y'.repeat(43),
      lidM: 'ord-2',
      kind: 'credit',
      source: 'operator',
      amount: eur(450),
      at: settled.openedAt,
    },
    {
      seq: 3,
      xid: 'z'.repeat(43),
      kind: 'captureReversal',
      source: 'merchant',
      amount: eur(100),
      at: settled.openedAt,
    },
  ];
  const summary: BatchTotal[] = [
    { kind: 'capture', currency: 'EUR', exponent: 2, count: 1, total: 3699 },
    { kind: 'credit', currency: 'EUR', exponent: 2, count: 1, total: 450 },
  ];
  const report: ReconciledBatch[] = [
    {
      batch: open,
      summary: [summary[0]!],
      items: [{ item: items[0]!, match: 'matched' }],
      expected: [{ currency: 'EUR', exponent: 2, net: 3699 }],
      agrees: true,
    },
    {
      batch: settled,
      summary,
      items: [
        { item: items[0]!, match: 'matched' },
        { item: items[1]!, match: 'operator' },
        { item: items[2]!, match: 'unknownOrder' },
      ],
      expected: [{ currency: 'EUR', exponent: 2, net: 3699 }],
      agrees: false,
    },
  ];
  const pages = (locale: (typeof SITE_LOCALES)[number]) => {
    const gw = { tx: new SiteText(GATEWAY_TEXT, locale), csrf: 'c' };
    const store = new SiteText(STORE_TEXT, locale);
    return {
      gateway: [
        batchesPage(gw, {}, [open, settled, owing]),
        batchesPage(gw, { state: 'open' }, []),
        batchPage(gw, settled, summary, items),
        batchPage(gw, open, [], []),
      ].join('\n'),
      store: [
        settlementPage(store, report, 'c', settlementFlash('closed')).value,
        settlementPage(store, [], 'c', settlementFlash('batchAlreadyClosed')).value,
        settlementPage(store, [], 'c', settlementFlash('unknownBatchID')).value,
        settlementPage(store, [], 'c', settlementFlash('gatewayUnavailable')).value,
      ].join('\n'),
    };
  };
  /** What a person reads: the markup gone, the entities read. */
  const readable = (page: string) =>
    page
      .replace(/<style>[\s\S]*?<\/style>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ');
  /** The English sentences of a catalogue, in pieces between placeholders of three words or more. */
  const englishPieces = (catalogue: Catalogues['en']) =>
    Object.values(catalogue)
      .filter(isSentence)
      .flatMap((text) => text.split(/\{\w+\}/))
      .map((piece) => piece.trim())
      .filter((piece) => piece.split(/\s+/).length >= 3);

  it('are in English for English, with amounts and dates in English', () => {
    const { gateway, store } = pages('en');
    for (const text of [
      'Batches and settlement',
      'by its first item',
      '€4.50 owed by the merchant',
      'Net to the merchant',
    ])
      expect(readable(gateway)).toContain(text);
    expect(readable(gateway)).toContain('Nov 30, 2026, 7:45:00 PM UTC');
    for (const text of [
      'Reconciled: every item matches our records',
      '3 items, in the gateway’s order',
      '1 item, in the gateway’s order',
      'Close and settle batch 9',
      'The batch is closed and settled.',
      'a batch is never closed twice',
      '€36.99',
    ])
      expect(readable(store)).toContain(text);
  });

  it.each(SITE_LOCALES.filter((l) => l !== 'en'))(
    'in %s hold no English sentence, and format amounts and dates for the language',
    (locale) => {
      const { gateway, store } = pages(locale);
      for (const [site, page, catalogue] of [
        ['gateway', gateway, GATEWAY_TEXT.en],
        ['store', store, STORE_TEXT.en],
      ] as const) {
        const text = readable(page);
        for (const piece of englishPieces(catalogue))
          expect(text, `${site} (${locale})`).not.toContain(piece);
        const tx = new SiteText(STORE_TEXT, locale);
        expect(text.includes(readable(tx.amount(eur(3699)))), `${site} (${locale}): the amount`).toBe(true);
        expect(text.includes('€36.99'), `${site} (${locale}): an English amount`).toBe(false);
        const date = readable(tx.dateTime(settled.settledAt!).value).trim();
        expect(text.includes(date), `${site} (${locale}): ${date}`).toBe(true);
      }
    },
  );

  it('show a notice only for the names on their list', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'closed ', '<script>', undefined])
      expect(settlementFlash(name)).toBeUndefined();
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

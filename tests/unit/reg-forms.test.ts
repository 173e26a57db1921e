// The sandbox CAs' registration forms (src/ca/reg-forms.ts): one definition per form, its words
// per language; every language asks the same fields, and a language labelling other fields is refused.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CARDHOLDER_FORM,
  DEFAULT_CARDHOLDER_RENEWAL_FORM,
  DEFAULT_GATEWAY_FORM,
  DEFAULT_MERCHANT_FORM,
  formInLanguages,
  regFormIn,
} from '../../src/ca/reg-forms.ts';

const FORMS = {
  DEFAULT_CARDHOLDER_FORM,
  DEFAULT_CARDHOLDER_RENEWAL_FORM,
  DEFAULT_GATEWAY_FORM,
  DEFAULT_MERCHANT_FORM,
};

describe('registration forms in four languages', () => {
  it.each(Object.entries(FORMS))(
    '%s asks the same fields in en, de, fr and es, with words of its own',
    (_, forms) => {
      const shape = (language: string) =>
        regFormIn(forms, language).fields.map(({ label: _label, ...field }) => field);
      for (const language of ['de', 'fr', 'es']) {
        expect(Object.hasOwn(forms, language), language).toBe(true);
        expect(shape(language), language).toEqual(shape('en'));
        expect(regFormIn(forms, language).policy, language).not.toBe(forms.en.policy);
      }
    },
  );

  it('refuses a language that labels a field the form does not define, or misses one', () => {
    const fields = [{ name: 'fullName', kind: 'text', required: true, maxLength: 64 }] as const;
    const en = { labels: { fullName: 'Name' }, policy: 'p' };
    expect(() => formInLanguages(fields, { en, de: { labels: {}, policy: 'p' } })).toThrow(/"de" form/);
    expect(() =>
      formInLanguages(fields, { en, fr: { labels: { fullName: 'Nom', extra: 'x' }, policy: 'p' } }),
    ).toThrow(/"fr" form/);
    expect(formInLanguages(fields, { en }).en.fields).toEqual([
      { name: 'fullName', label: 'Name', kind: 'text', required: true, maxLength: 64 },
    ]);
  });
});

/**
 * The registration forms the sandbox CAs send (SET Book 2 "Registration form": the issuer decides
 * what it asks), in the language the request names: RegFormReq's and Me-AqCInitReq's `language`
 * (docs/protocol.md §4). The wallet renders them from SET/2's small typed vocabulary
 * (reg-form-schema.ts). Every language asks the same fields; only the words differ.
 */
import type { RegForm, RegFormField } from '../protocol/index.ts';

/** One form in several languages: BCP 47 tag → form; English is the fallback. */
export type LocalizedRegForms = { readonly en: RegForm } & {
  readonly [language: string]: RegForm | undefined;
};

/** The form for a request's language, by RFC 4647 lookup ("de-AT" → "de"), else English. */
export function regFormIn(forms: LocalizedRegForms, language: string): RegForm {
  let range = language.toLowerCase();
  while (range) {
    const form = Object.hasOwn(forms, range) ? forms[range] : undefined;
    if (form) return form;
    const cut = range.lastIndexOf('-');
    range = cut > 0 ? range.slice(0, cut) : '';
  }
  return forms.en;
}

/** A form given as one RegForm is that form in every language. */
export function localized(form: RegForm | LocalizedRegForms): LocalizedRegForms {
  return 'fields' in form && Array.isArray(form.fields)
    ? { en: form as RegForm }
    : (form as LocalizedRegForms);
}

/** A form's words in one language: each field's label, by the field's name, and the policy. */
interface FormWords {
  labels: Readonly<Record<string, string>>;
  policy: string;
}

/**
 * One form definition (its fields, without their words) and its words per language. Every language
 * must label exactly the fields defined: a missing or extra label stops the module from loading.
 */
export function formInLanguages(
  fields: readonly Omit<RegFormField, 'label'>[],
  words: { readonly en: FormWords } & { readonly [language: string]: FormWords },
): LocalizedRegForms {
  const names = fields.map((f) => f.name);
  const forms: Record<string, RegForm> = {};
  for (const [language, w] of Object.entries(words)) {
    const labelled = Object.keys(w.labels);
    if (labelled.length !== names.length || names.some((n) => !Object.hasOwn(w.labels, n))) {
      throw new Error(`the "${language}" form labels ${labelled.join(', ')}, not ${names.join(', ')}`);
    }
    forms[language] = {
      // Keys in the order SET/2 writes a field: name, label, then the rest.
      fields: fields.map(({ name, ...rest }) => ({
        name,
        label: w.labels[name] as string,
        ...rest,
      })) as RegFormField[],
      policy: w.policy,
    };
  }
  return forms as LocalizedRegForms;
}

/** The cardholder form RegFormRes carries: what a bank might ask to tie a card to its holder. */
export const DEFAULT_CARDHOLDER_FORM: LocalizedRegForms = formInLanguages(
  [
    { name: 'fullName', kind: 'text', required: true, maxLength: 64 },
    { name: 'postcode', kind: 'postalCode', required: true, maxLength: 10 },
    { name: 'email', kind: 'email', required: false, maxLength: 254 },
  ],
  {
    en: {
      labels: { fullName: 'Name on card', postcode: 'Billing postcode', email: 'Email (optional)' },
      policy:
        'Sandbox cardholder terms: this certificate is for testing only. It names your card by a ' +
        'one-way identifier, never by its number, and the issuer may revoke it at any time.',
    },
    de: {
      labels: {
        fullName: 'Name auf der Karte',
        postcode: 'Postleitzahl der Rechnungsadresse',
        email: 'E-Mail (freiwillig)',
      },
      policy:
        'Bedingungen der Sandbox für Karteninhaber: Dieses Zertifikat dient nur zum Testen. Es benennt ' +
        'Ihre Karte mit einer Einweg-Kennung, nie mit ihrer Nummer, und der Herausgeber kann es ' +
        'jederzeit widerrufen.',
    },
    fr: {
      labels: {
        fullName: 'Nom sur la carte',
        postcode: 'Code postal de facturation',
        email: 'E-mail (facultatif)',
      },
      policy:
        'Conditions du bac à sable pour les porteurs : ce certificat sert uniquement aux tests. Il ' +
        'désigne votre carte par un identifiant à sens unique, jamais par son numéro, et l’émetteur ' +
        'peut le révoquer à tout moment.',
    },
    es: {
      labels: {
        fullName: 'Nombre en la tarjeta',
        postcode: 'Código postal de facturación',
        email: 'Correo electrónico (opcional)',
      },
      policy:
        'Condiciones del entorno de pruebas para titulares: este certificado es solo para pruebas. ' +
        'Nombra su tarjeta con un identificador unidireccional, nunca con su número, y el emisor ' +
        'puede revocarlo en cualquier momento.',
    },
  },
);

/**
 * The form for renewing a card's certificate: nothing to fill in again, since the CertReq is
 * co-signed by the card's current certificate, whose unique ID names the same card.
 */
export const DEFAULT_CARDHOLDER_RENEWAL_FORM: LocalizedRegForms = formInLanguages([], {
  en: {
    labels: {},
    policy:
      'Sandbox renewal terms: the new certificate names the same card by the same one-way ' +
      'identifier, with a new key; the certificate it renews can renew nothing afterwards.',
  },
  de: {
    labels: {},
    policy:
      'Bedingungen der Sandbox für die Erneuerung: Das neue Zertifikat benennt dieselbe Karte mit ' +
      'derselben Einweg-Kennung, mit einem neuen Schlüssel; das erneuerte Zertifikat kann danach ' +
      'nichts mehr erneuern.',
  },
  fr: {
    labels: {},
    policy:
      'Conditions du bac à sable pour le renouvellement : le nouveau certificat désigne la même ' +
      'carte par le même identifiant à sens unique, avec une nouvelle clé ; le certificat qu’il ' +
      'renouvelle ne peut plus rien renouveler ensuite.',
  },
  es: {
    labels: {},
    policy:
      'Condiciones del entorno de pruebas para la renovación: el nuevo certificado nombra la misma ' +
      'tarjeta con el mismo identificador unidireccional, con una clave nueva; el certificado que ' +
      'renueva ya no puede renovar nada después.',
  },
});

export const DEFAULT_MERCHANT_FORM: LocalizedRegForms = formInLanguages(
  [{ name: 'contactEmail', kind: 'email', required: false, maxLength: 254 }],
  {
    en: {
      labels: { contactEmail: 'Contact email' },
      policy:
        'Sandbox merchant terms: the certificate binds your merchant data and web origins for testing ' +
        'only. Wallets refuse to pay on pages served from any other origin.',
    },
    de: {
      labels: { contactEmail: 'Kontakt-E-Mail' },
      policy:
        'Bedingungen der Sandbox für Händler: Das Zertifikat bindet Ihre Händlerdaten und Web-Origins ' +
        'nur zum Testen. Wallets bezahlen auf Seiten von keinem anderen Origin.',
    },
    fr: {
      labels: { contactEmail: 'E-mail de contact' },
      policy:
        'Conditions du bac à sable pour les commerçants : le certificat lie vos données de commerçant ' +
        'et vos origines web uniquement pour les tests. Les portefeuilles refusent de payer sur des ' +
        'pages servies depuis toute autre origine.',
    },
    es: {
      labels: { contactEmail: 'Correo electrónico de contacto' },
      policy:
        'Condiciones del entorno de pruebas para comercios: el certificado vincula sus datos de ' +
        'comercio y sus orígenes web solo para pruebas. Los monederos se niegan a pagar en páginas ' +
        'servidas desde cualquier otro origen.',
    },
  },
);

export const DEFAULT_GATEWAY_FORM: LocalizedRegForms = formInLanguages(
  [
    { name: 'gatewayName', kind: 'text', required: false, maxLength: 64 },
    { name: 'acquirer', kind: 'text', required: false, maxLength: 64 },
  ],
  {
    en: {
      labels: { gatewayName: 'Gateway name', acquirer: 'Acquirer' },
      policy: 'Sandbox payment gateway terms: for testing only.',
    },
    de: {
      labels: { gatewayName: 'Name des Gateways', acquirer: 'Acquirer' },
      policy: 'Bedingungen der Sandbox für Payment-Gateways: nur zum Testen.',
    },
    fr: {
      labels: { gatewayName: 'Nom de la passerelle', acquirer: 'Acquéreur' },
      policy: 'Conditions du bac à sable pour les passerelles de paiement : uniquement pour les tests.',
    },
    es: {
      labels: { gatewayName: 'Nombre de la pasarela', acquirer: 'Adquirente' },
      policy: 'Condiciones del entorno de pruebas para pasarelas de pago: solo para pruebas.',
    },
  },
);

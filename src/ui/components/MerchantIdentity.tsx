import type { ReceiptMerchant } from '../../wallet/vault/db.ts';
import { t, uiLocale } from '../i18n.ts';
import { SandboxBadge } from './SandboxBadge.tsx';

/** A country code (ISO 3166-1 alpha-2) as its name in the user's language. */
export function countryName(code: string): string {
  try {
    return new Intl.DisplayNames([uiLocale()], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function placeText(m: Pick<ReceiptMerchant, 'city' | 'stateProvince' | 'country'>): string {
  const country = countryName(m.country);
  return m.stateProvince
    ? t('placeCityStateCountry', [m.city, m.stateProvince, country])
    : t('placeCityCountry', [m.city, country]);
}

/** The merchant as its VERIFIED certificate names it. */
export function MerchantIdentity({
  merchant,
  headingLevel = 2,
}: {
  merchant: ReceiptMerchant;
  headingLevel?: 2 | 3;
}) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <div class="merchant">
      <Heading class="row" style={{ margin: 0 }}>
        <span>{merchant.name}</span>
        <SandboxBadge show={merchant.sandbox} />
      </Heading>
      <p class="muted">{placeText(merchant)}</p>
    </div>
  );
}

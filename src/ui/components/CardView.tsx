import type { CardSummary } from '../../wallet/cards.ts';
import { formatDate, formatExpiry } from '../format.ts';
import { t, uiLocale } from '../i18n.ts';
import { SandboxBadge } from './SandboxBadge.tsx';

/** The name a card is known by: brand and masked number (last four digits only). */
export function cardLabel(card: Pick<CardSummary, 'brand' | 'last4'>): string {
  return t('cardLabel', [card.brand, card.last4]);
}

/** A card's facts: brand, masked number, expiry (while unlocked), certificate validity. */
export function CardView({ card }: { card: CardSummary }) {
  const locale = uiLocale();
  const expired = Date.parse(card.validTo) < Date.now();
  return (
    <div class="stack">
      <div class="row">
        <strong>{cardLabel(card)}</strong>
        {card.isDefault ? <span class="badge badge-ok">{t('cardDefault')}</span> : null}
        <SandboxBadge show={card.sandbox} />
      </div>
      <p class="muted">
        {card.expiry ? t('cardExpires', formatExpiry(card.expiry, locale)) : t('cardExpiryHidden')}
      </p>
      <p class="muted">
        {expired
          ? t('cardCertificateExpired', formatDate(card.validTo, locale))
          : t('cardCertificateValid', [formatDate(card.validFrom, locale), formatDate(card.validTo, locale)])}
      </p>
      {card.issuerName ? <p class="muted">{t('cardIssuer', card.issuerName)}</p> : null}
    </div>
  );
}

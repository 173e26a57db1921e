import type { CardSummary } from '../../wallet/cards.ts';
import { formatExpiry } from '../format.ts';
import { t, uiLocale } from '../i18n.ts';
import { cardLabel } from './CardView.tsx';
import { SandboxBadge } from './SandboxBadge.tsx';

/** Choosing the card to pay with: a radio group, the default preselected by the caller. */
export function CardPicker({
  cards,
  value,
  onChange,
  disabled,
}: {
  cards: CardSummary[];
  value: string | undefined;
  onChange: (cardId: string) => void;
  disabled?: boolean;
}) {
  return (
    <fieldset disabled={disabled}>
      <legend>{t('confirmCardLegend')}</legend>
      <div class="stack">
        {cards.map((card) => (
          <label key={card.id} class="row" for={`card-${card.id}`}>
            <input
              type="radio"
              name="card"
              id={`card-${card.id}`}
              value={card.id}
              checked={value === card.id}
              onChange={() => onChange(card.id)}
            />
            <span>{cardLabel(card)}</span>
            {card.expiry ? <span class="muted">{formatExpiry(card.expiry, uiLocale())}</span> : null}
            {card.isDefault ? <span class="badge badge-ok">{t('cardDefault')}</span> : null}
            <SandboxBadge show={card.sandbox} />
          </label>
        ))}
      </div>
    </fieldset>
  );
}

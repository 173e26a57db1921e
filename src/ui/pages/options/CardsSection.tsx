/**
 * Cards: the registered cards, the default one, renewal of a certificate that ends within 30 days
 * (or what to do when it has expired), registrations the issuer left pending, removing a card
 * (asked twice).
 */
import { useEffect, useState } from 'preact/hooks';
import type { CardSummary } from '../../../wallet/cards.ts';
import { Button } from '../../components/Button.tsx';
import { CardView } from '../../components/CardView.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { t } from '../../i18n.ts';
import { lazy } from '../../lazy.tsx';
import { call } from '../../wallet-client.ts';
import { useAction } from './use-action.ts';

// Renewal and pending registrations: a chunk of their own, loaded when the cards show (issue 11).
const RenewalNotice = lazy(
  async () => (await import('../../components/CardRenewal.tsx')).RenewalNotice,
  'quiet',
);
const PendingRegistrations = lazy(
  async () => (await import('../../components/CardRenewal.tsx')).PendingRegistrations,
  'quiet',
);

export function CardsSection() {
  const [cards, setCards] = useState<CardSummary[]>();
  const [confirming, setConfirming] = useState<string>();
  const { busy, error, run } = useAction();
  const load = () => run(async () => setCards(await call({ type: 'cards.list' })));
  useEffect(() => void load(), []);
  return (
    <section class="stack" aria-labelledby="cards-heading">
      <h2 id="cards-heading">{t('cardsHeading')}</h2>
      {cards?.length === 0 ? <p class="muted">{t('cardsEmpty')}</p> : null}
      <ul class="list">
        {(cards ?? []).map((c) => (
          <li key={c.id} class="card stack">
            <CardView card={c} />
            <RenewalNotice card={c} onChanged={() => void load()} />
            <div class="row">
              {c.isDefault ? null : (
                <Button
                  disabled={busy}
                  onClick={() =>
                    void run(async () => {
                      await call({ type: 'cards.setDefault', cardId: c.id });
                      setCards(await call({ type: 'cards.list' }));
                    })
                  }
                >
                  {t('cardMakeDefault')}
                </Button>
              )}
              {confirming === c.id ? (
                <>
                  <span>{t('cardRemoveConfirm')}</span>
                  <Button
                    variant="danger"
                    disabled={busy}
                    onClick={() =>
                      void run(async () => {
                        setConfirming(undefined);
                        await call({ type: 'cards.remove', cardId: c.id });
                        setCards(await call({ type: 'cards.list' }));
                      })
                    }
                  >
                    {t('cardRemoveYes')}
                  </Button>
                  <Button onClick={() => setConfirming(undefined)} autoFocus>
                    {t('cancelButton')}
                  </Button>
                </>
              ) : (
                <Button variant="link" onClick={() => setConfirming(c.id)}>
                  {t('cardRemove', t('cardLabel', [c.brand, c.last4]))}
                </Button>
              )}
            </div>
          </li>
        ))}
      </ul>
      <PendingRegistrations onChanged={() => void load()} />
      <ErrorNotice error={error} />
    </section>
  );
}

/** How to register a card: at the issuer's page, which asks the wallet. */
import { t } from '../../i18n.ts';

export function RegisterSection() {
  return (
    <section class="stack" aria-labelledby="register-heading">
      <h2 id="register-heading">{t('registerSectionHeading')}</h2>
      <p>{t('registerSectionText')}</p>
      <ol>
        <li>{t('registerSectionStep1')}</li>
        <li>{t('registerSectionStep2')}</li>
        <li>{t('registerSectionStep3')}</li>
      </ol>
    </section>
  );
}

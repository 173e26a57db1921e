/** The passphrase strength hint under a new passphrase (a pure function of the text typed). */
import { passphraseStrength } from '../../../wallet/vault/strength.ts';
import { t } from '../../i18n.ts';

export function StrengthHint({ passphrase, id }: { passphrase: string; id: string }) {
  if (!passphrase) return null;
  const s = passphraseStrength(passphrase);
  return (
    <div id={id} class="stack" aria-live="polite">
      <div class="meter" aria-hidden="true">
        {[0, 1, 2, 3].map((i) => (
          <span key={i} class={s.score > i ? 'on' : ''} />
        ))}
      </div>
      <p>
        <strong>{t(`strengthScore_${s.score}`)}</strong> <span>{t(s.hintKey)}</span>
      </p>
    </div>
  );
}

/** The issuer site's catalogues (src/web/i18n.ts): one per language, English naming the keys. */
import type { Catalogues, SiteText } from '../../web/i18n.ts';
import { de } from './de.ts';
import { type CaKey, en } from './en.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';

export type { CaKey };
export type CaText = SiteText<CaKey>;
export const CA_TEXT: Catalogues<CaKey> = { en, de, fr, es };

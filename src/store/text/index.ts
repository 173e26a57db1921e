/** The demo store's catalogues (src/web/i18n.ts): one per language, English naming the keys. */
import type { Catalogues, SiteText } from '../../web/i18n.ts';
import { de } from './de.ts';
import { en, type StoreKey } from './en.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';

export type { StoreKey };
export type StoreText = SiteText<StoreKey>;
export const STORE_TEXT: Catalogues<StoreKey> = { en, de, fr, es };

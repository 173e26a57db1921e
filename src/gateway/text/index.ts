/** The gateway dashboard's catalogues (src/web/i18n.ts): one per language, English naming the keys. */
import type { Catalogues, SiteText } from '../../web/i18n.ts';
import { de } from './de.ts';
import { en, type GatewayKey } from './en.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';

export type { GatewayKey };
export type GatewayText = SiteText<GatewayKey>;
export const GATEWAY_TEXT: Catalogues<GatewayKey> = { en, de, fr, es };

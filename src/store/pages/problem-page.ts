/** A plain page for a request the store cannot serve: what went wrong and where to go next. */
import { html, type SafeHtml } from '../../web/html.ts';
import type { StoreText } from '../text/index.ts';

export function problemPage(tx: StoreText, heading: SafeHtml, text: SafeHtml): SafeHtml {
  return html`<h1>${heading}</h1><p>${text}</p><p><a href="/">${tx.t('backToCatalogue')}</a></p>`;
}

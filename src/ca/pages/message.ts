/** A short page for refusals and failures of the HTML routes: what went wrong and what to do. */
import { html, type SafeHtml } from '../../web/html.ts';
import type { CaText } from '../text/index.ts';
import { layout } from './layout.ts';

export function messagePage(p: {
  tx: CaText;
  issuerName: string;
  title: SafeHtml;
  text: SafeHtml;
  back?: string;
}): string {
  return layout({
    tx: p.tx,
    issuerName: p.issuerName,
    title: p.title,
    main: html`
<h1>${p.title}</h1>
<p class="notice bad" role="alert">${p.text}</p>
<p><a href="${p.back ?? '/'}">${p.tx.t('back')}</a></p>
`,
  });
}

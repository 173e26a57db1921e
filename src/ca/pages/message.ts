/** A short page for refusals and failures of the HTML routes: what went wrong and what to do. */
import { html } from '../../web/html.ts';
import { layout } from './layout.ts';

export function messagePage(p: { issuerName: string; title: string; text: string; back?: string }): string {
  return layout({
    issuerName: p.issuerName,
    title: p.title,
    main: html`
<h1>${p.title}</h1>
<p class="notice bad" role="alert">${p.text}</p>
<p><a href="${p.back ?? '/'}">Back</a></p>
`,
  });
}

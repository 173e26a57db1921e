/** A plain page for a request the store cannot serve: what went wrong and where to go next. */
import { html, type SafeHtml } from '../../web/html.ts';

export function problemPage(heading: string, text: string): SafeHtml {
  return html`<h1>${heading}</h1><p>${text}</p><p><a href="/">Back to the catalogue</a></p>`;
}

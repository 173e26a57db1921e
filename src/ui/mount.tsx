/** Mounts a wallet page: the shared theme, the document's language and title from _locales. */
import { type ComponentType, render } from 'preact';
import './theme.css';
import { t, uiLocale } from './i18n.ts';

export function mount(App: ComponentType, titleKey: string): void {
  document.documentElement.lang = uiLocale();
  document.title = t(titleKey);
  const root = document.getElementById('app');
  if (root) render(<App />, root);
}

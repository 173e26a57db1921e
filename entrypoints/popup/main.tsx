// Popup entry: mounts the wallet status view (issue 4 grows it into cards, pending order and receipts).
import { render } from 'preact';
import { browser } from 'wxt/browser';

function Popup() {
  return (
    <main>
      <h1>{browser.i18n.getMessage('extName')}</h1>
      <p>{browser.i18n.getMessage('popupEmpty')}</p>
    </main>
  );
}

const app = document.getElementById('app');
if (app) render(<Popup />, app);

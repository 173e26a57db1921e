// The wallet in Firefox ESR (puppeteer-core over WebDriver BiDi, the build as a temporary add-on).
import { walletSuite } from './wallet-suite.ts';

walletSuite('firefox', { serviceWorkerStop: false });

// The wallet in Chromium (playwright-core, Debian's /usr/bin/chromium, new headless).
import { walletSuite } from './wallet-suite.ts';

walletSuite('chromium', { serviceWorkerStop: true });

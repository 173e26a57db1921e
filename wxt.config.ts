import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';

// Builds chrome-mv3 and firefox-mv3 from the same entry points (npm run build).
export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  vite: () => ({ plugins: [preact()] }),
  manifest: ({ browser }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    permissions: ['storage', 'alarms'],
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'wallet@set-wallet.dev',
              strict_min_version: '128.0',
              // The wallet sends nothing anywhere: SET messages go only to the page's own endpoint.
              data_collection_permissions: { required: ['none'] },
            },
          },
        }
      : {}),
  }),
});

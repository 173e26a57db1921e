/**
 * `setwallet start` (npm start): the newcomer's main job. Builds the wallet for Chrome and Firefox
 * when the build is missing or older than its sources, creates the sandbox PKI under .sandbox/pki
 * on first start (and reuses it later), then says where everything is and how to load the wallet.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runPki } from './pki.ts';

const SOURCES = ['entrypoints', 'src', 'public', 'wxt.config.ts', 'package.json'];
const TARGETS = ['.output/chrome-mv3/manifest.json', '.output/firefox-mv3/manifest.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newestMtime(join(path, name))), st.mtimeMs);
}

export async function runStart(args: string[]): Promise<number> {
  const dataDir = args[0] === '--data' && args[1] ? args[1] : '.sandbox';
  const built = TARGETS.every((t) => existsSync(t));
  const stale =
    !built || Math.max(...SOURCES.map(newestMtime)) > Math.min(...TARGETS.map((t) => statSync(t).mtimeMs));
  if (stale) {
    console.log(
      built ? '› The wallet sources changed: rebuilding…' : '› Building the wallet for Chrome and Firefox…',
    );
    const r = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
    if (r.status !== 0) {
      console.error('setwallet start: the extension build failed (see above).');
      return 1;
    }
  } else {
    console.log('› The wallet build is up to date.');
  }
  const pkiDir = join(dataDir, 'pki');
  if (existsSync(join(pkiDir, 'root.pem'))) {
    console.log(`› Reusing the sandbox certificate hierarchy in ${pkiDir}/`);
  } else {
    console.log(`› Creating the sandbox certificate hierarchy in ${pkiDir}/`);
    const code = await runPki(['init', pkiDir]);
    if (code !== 0) return code;
  }
  console.log(`
The wallet is built:
  Chrome:  ${resolve('.output/chrome-mv3')}
           chrome://extensions → turn on Developer mode → Load unpacked → choose that folder
  Firefox: ${resolve('.output/firefox-mv3')}
           about:debugging#/runtime/this-firefox → Load Temporary Add-on → choose manifest.json there

The sandbox root certificate is ${resolve(pkiDir, 'root.pem')}.
Inspect any certificate or SET/2 message with:
  npx setwallet inspect ${join(pkiDir, 'merchant-sig.pem')} --roots ${join(pkiDir, 'root.pem')}`);
  return 0;
}

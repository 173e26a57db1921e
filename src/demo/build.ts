/**
 * The wallet's production build (.output/chrome-mv3 and .output/firefox-mv3), made when it is
 * missing or older than what goes into it: `npm start` and `setwallet demo` both call ensureBuild.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');

/**
 * What the extension is built from: its entry points and the src/ folders they import (the UI,
 * the wallet, the protocol), the locales and icons, the build configuration. The CLI, the sandbox
 * and the servers are not in the bundle, so changing them does not make the build stale.
 */
export const BUILD_SOURCES = [
  'entrypoints',
  'src/ui',
  'src/wallet',
  'src/protocol',
  'public',
  'wxt.config.ts',
  'package.json',
];
export const BUILD_TARGETS = ['.output/chrome-mv3/manifest.json', '.output/firefox-mv3/manifest.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newestMtime(join(path, name))), st.mtimeMs);
}

/** missing: no build for one of the browsers; stale: a source is newer than the build. */
export function buildState(repo = REPO): 'missing' | 'stale' | 'fresh' {
  const targets = BUILD_TARGETS.map((t) => join(repo, t));
  if (!targets.every((t) => existsSync(t))) return 'missing';
  const newestSource = Math.max(...BUILD_SOURCES.map((s) => newestMtime(join(repo, s))));
  const oldestTarget = Math.min(...targets.map((t) => statSync(t).mtimeMs));
  return newestSource > oldestTarget ? 'stale' : 'fresh';
}

/**
 * Builds the wallet for Chrome and Firefox (`npm run build`, its progress shown) unless the build
 * is up to date. Says which it did through `print`; false when the build failed.
 */
export function ensureBuild(print: (line: string) => void = console.log, repo = REPO): boolean {
  const state = buildState(repo);
  if (state === 'fresh') {
    print('› The wallet build is up to date (.output/chrome-mv3, .output/firefox-mv3).');
    return true;
  }
  print(
    state === 'stale'
      ? '› The wallet sources changed: rebuilding (npm run build)…'
      : '› Building the wallet for Chrome and Firefox (npm run build)…',
  );
  // Progress on stderr, so that a caller's stdout stays its own.
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    print(`✗ The extension build failed (${r.error?.message ?? `exit ${r.status}`}): see above.`);
    return false;
  }
  print('› Built .output/chrome-mv3 and .output/firefox-mv3.');
  return true;
}

/**
 * `npx tsx scripts/bundle-sources.ts [--browser=chrome] [--top=40] [--file=background.js]`: where a
 * built bundle's bytes come from. Builds the wallet once with source maps into a temporary folder
 * (the real build, `npm run build`, is left untouched), then sums the minified bytes each source
 * file contributes to each bundle (background, content script, pages and their chunks), from the
 * maps' segments, and prints the largest contributors per bundle, also grouped by package.
 * Used to decide what to trim for issue 11's budgets (bench/wallet.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decode } from '@jridgewell/sourcemap-codec';
import { build } from 'wxt';

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

const browser = arg('browser', 'chrome');
const top = Number(arg('top', '40'));
const only = arg('file', '');
const root = path.resolve(import.meta.dirname, '..');
const outDir = mkdtempSync(path.join(tmpdir(), 'bundle-sources-'));

interface SourceMap {
  sources: string[];
  mappings: string;
}

/** Bytes of `code` per source of its map; bytes no segment maps count as `(unmapped)`. */
function bytesPerSource(code: string, map: SourceMap, mapDir: string): Map<string, number> {
  const sums = new Map<string, number>();
  const add = (key: string, n: number): void => {
    if (n > 0) sums.set(key, (sums.get(key) ?? 0) + n);
  };
  const lines = code.split('\n');
  const decoded = decode(map.mappings);
  lines.forEach((line, i) => {
    const bytes = Buffer.from(line, 'utf8');
    const segments = decoded[i] ?? [];
    // Columns are UTF-16 offsets; convert by the line's own text.
    const byteAt = (col: number): number => Buffer.byteLength(line.slice(0, col), 'utf8');
    let last = 0;
    segments.forEach((segment, j) => {
      const start = byteAt(segment[0]);
      if (j === 0) add('(unmapped)', start - last);
      const end = j + 1 < segments.length ? byteAt(segments[j + 1]![0]) : bytes.length;
      const source =
        segment.length >= 4
          ? path.relative(root, path.resolve(mapDir, map.sources[segment[1]!]!))
          : '(unmapped)';
      add(source, end - start);
      last = end;
    });
    if (segments.length === 0) add('(unmapped)', bytes.length);
    add('(newlines)', i + 1 < lines.length ? 1 : 0);
  });
  return sums;
}

const packageOf = (source: string): string => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (m) return m[1]!;
  const dirs = source.split('/');
  return dirs.length > 2 ? dirs.slice(0, 2).join('/') : source;
};

const kb = (n: number): string => (n / 1000).toFixed(1).padStart(6);

try {
  await build({
    root,
    browser,
    manifestVersion: 3,
    outDir,
    vite: () => ({ build: { sourcemap: 'hidden' } }),
  });
  const dir = readdirSync(outDir)
    .map((d) => path.join(outDir, d))
    .find((d) => statSync(d).isDirectory())!;
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
  for (const file of files.sort()) {
    if (only !== '' && !file.endsWith(only)) continue;
    const full = path.join(dir, file);
    const code = readFileSync(full, 'utf8');
    let map: SourceMap;
    try {
      map = JSON.parse(readFileSync(`${full}.map`, 'utf8')) as SourceMap;
    } catch {
      console.log(`\n${file}: ${kb(Buffer.byteLength(code))} kB, no source map`);
      continue;
    }
    const sums = bytesPerSource(code, map, path.dirname(full));
    const total = [...sums.values()].reduce((a, b) => a + b, 0);
    console.log(`\n${file}: ${kb(total)} kB (${Buffer.byteLength(code)} bytes)`);
    const byPackage = new Map<string, number>();
    for (const [s, n] of sums) byPackage.set(packageOf(s), (byPackage.get(packageOf(s)) ?? 0) + n);
    console.log('  by package or folder:');
    for (const [s, n] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`  ${kb(n)}  ${s}`);
    console.log('  by source file:');
    for (const [s, n] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${kb(n)}  ${s}`);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}

// The npm packages as a shop installs them: `npm run pack:packages` packs @setwallet/protocol and
// @setwallet/merchant, an empty project (`npm init -y`, type module) installs both tarballs from
// the registry-free file paths (their dependencies from the registry), and then: no package in the
// tree has an install script; plain node (no tsx) imports the SDK with every export of its source,
// parses a real certificate with it and agrees with openssl; the tree holds no WXT, Preact or
// browser driver; every import in the shipped files is relative, node:, the sibling package or a
// declared dependency, and every declared dependency is used; and the project's tsc type-checks a
// consumer against the shipped .d.ts with nodenext resolution, refusing a wrong call.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as merchantSource from '../../src/merchant/index.ts';
import * as protocolSource from '../../src/protocol/index.ts';

const ROOT = join(import.meta.dirname, '../..');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'set-packages-'));
const tarballs = join(dir, 'tarballs');
const shop = join(dir, 'shop');
const pki = join(dir, 'pki');
const SHOP_ORIGIN = 'https://bikes.example';
const FORBIDDEN = [
  'wxt',
  'preact',
  'playwright',
  'playwright-core',
  'puppeteer',
  'puppeteer-core',
  'tsx',
  'vite',
  'set-wallet',
];
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

/** The environment without what `npm test` adds for its own run, so each npm acts in its cwd. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'),
  );
}

async function sh(file: string, args: string[], cwd: string) {
  const r = await run(file, args, { cwd, env: cleanEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return r.stdout;
}

interface Manifest {
  name: string;
  version: string;
  type?: string;
  engines?: Record<string, string>;
  license?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  exports?: Record<string, string | { types: string; default: string }>;
}
const installed = (name: string) => join(shop, 'node_modules', name);
const manifest = (name: string) =>
  JSON.parse(readFileSync(join(installed(name), 'package.json'), 'utf8')) as Manifest;

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

const figures: string[] = [];
let packed: string[] = [];

beforeAll(async () => {
  let t = Date.now();
  const out = await sh('npm', ['run', '--silent', 'pack:packages', '--', '--out', tarballs], ROOT);
  packed = out.split('\n').filter((l) => l.endsWith('.tgz'));
  figures.push(`pack ${((Date.now() - t) / 1000).toFixed(1)} s`);
  mkdirSync(shop);
  await sh('npm', ['init', '-y'], shop);
  await sh('npm', ['pkg', 'set', 'type=module'], shop);
  t = Date.now();
  await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packed], shop);
  figures.push(`npm install ${((Date.now() - t) / 1000).toFixed(1)} s`);
  await sh(
    'node',
    [join(ROOT, 'bin/setwallet.js'), 'pki', 'init', pki, '--merchant-origin', SHOP_ORIGIN],
    ROOT,
  );
}, 900_000);

afterAll(() => {
  if (figures.length > 0) console.log(`packages: ${figures.join(', ')}`);
  rmSync(dir, { recursive: true, force: true });
});

describe('the packed SDK in an empty project', () => {
  it('packs both packages, and the project installs them', () => {
    expect(packed.map((p) => relative(tarballs, p))).toEqual([
      'setwallet-protocol-0.1.0.tgz',
      'setwallet-merchant-0.1.0.tgz',
    ]);
    const project = JSON.parse(readFileSync(join(shop, 'package.json'), 'utf8')) as Manifest;
    expect(Object.keys(project.dependencies ?? {}).sort()).toEqual([
      '@setwallet/merchant',
      '@setwallet/protocol',
    ]);
  });

  it('no package in the installed tree has an install script', () => {
    const lock = JSON.parse(readFileSync(join(shop, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const withScripts = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript);
    expect(withScripts).toEqual([]);
    expect(Object.keys(lock.packages).length).toBeGreaterThan(3);
    for (const name of ['@setwallet/protocol', '@setwallet/merchant']) {
      const m = manifest(name);
      expect(Object.keys(m.scripts ?? {}).filter((s) => INSTALL_SCRIPTS.includes(s))).toEqual([]);
      expect(existsSync(join(installed(name), 'binding.gyp'))).toBe(false);
      expect(m.type).toBe('module');
      expect(m.engines?.node).toBe('>=20.19');
      expect(m.license).toBe('Apache-2.0');
      // What ships: package.json, the README and dist/ only (no TypeScript source, no tsconfig).
      const shipped = readdirSync(installed(name)).sort();
      expect(shipped.filter((f) => !['package.json', 'README.md', 'dist'].includes(f))).toEqual([]);
      expect(filesUnder(join(installed(name), 'dist')).filter((f) => !/\.(?:js|d\.ts)$/.test(f))).toEqual([]);
    }
  });

  it('plain node imports the SDK and the protocol with every export of their source', async () => {
    const script = `
      const [m, p] = await Promise.all([import('@setwallet/merchant'), import('@setwallet/protocol')]);
      const kinds = (mod) => Object.fromEntries(Object.keys(mod).sort().map((k) => [k, typeof mod[k]]));
      console.log(JSON.stringify({ merchant: kinds(m), protocol: kinds(p), sameSetError: m.SetError === p.SetError }));`;
    const out = await sh('node', ['--input-type=module', '-e', script], shop);
    const result = JSON.parse(out) as {
      merchant: Record<string, string>;
      protocol: Record<string, string>;
      sameSetError: boolean;
    };
    const kinds = (mod: Record<string, unknown>) =>
      Object.fromEntries(
        Object.keys(mod)
          .sort()
          .map((k) => [k, typeof mod[k]]),
      );
    expect(result.merchant).toEqual(kinds(merchantSource));
    expect(result.protocol).toEqual(kinds(protocolSource));
    for (const name of ['createSetEndpoint', 'enrolMerchant', 'createGatewayClient', 'toNodeListener']) {
      expect(result.merchant[name]).toBe('function');
    }
    // The SDK uses the installed protocol package, not a copy of it.
    expect(result.sameSetError).toBe(true);
  });

  it('the installed SDK parses a real merchant certificate as openssl reads it', async () => {
    const script = `
      import { readFileSync } from 'node:fs';
      import { certificatesFromPem } from '@setwallet/merchant';
      const [leaf] = await certificatesFromPem(readFileSync(process.argv[1], 'utf8'));
      console.log(JSON.stringify({ origins: leaf.origins, role: leaf.keyRole, thumbprint: Buffer.from(leaf.thumbprint).toString('hex') }));`;
    const pem = join(pki, 'merchant-sig.pem');
    const parsed = JSON.parse(await sh('node', ['--input-type=module', '-e', script, pem], shop)) as {
      origins: string[];
      role: string;
      thumbprint: string;
    };
    expect(parsed.origins).toEqual([SHOP_ORIGIN]);
    expect(parsed.role).toBe('signature');
    const fingerprint = await sh('openssl', ['x509', '-in', pem, '-noout', '-fingerprint', '-sha256'], shop);
    expect(fingerprint.trim().split('=')[1]!.replaceAll(':', '').toLowerCase()).toBe(parsed.thumbprint);
  });

  it('the installed tree holds no WXT, Preact, Playwright, Puppeteer or tsx', async () => {
    type Node = { dependencies?: Record<string, Node> };
    const tree = JSON.parse(await sh('npm', ['ls', '--all', '--json'], shop)) as Node;
    const names = new Set<string>();
    const walk = (node: Node) => {
      for (const [name, child] of Object.entries(node.dependencies ?? {})) {
        names.add(name);
        walk(child);
      }
    };
    walk(tree);
    expect(names.has('@setwallet/merchant') && names.has('valibot')).toBe(true);
    const forbidden = [...names].filter(
      (n) => FORBIDDEN.includes(n) || n.startsWith('@wxt-dev/') || n.startsWith('@preact/'),
    );
    expect(forbidden).toEqual([]);
    figures.push(`${names.size} packages in the tree`);
  });

  it('every shipped import is relative, node:, the sibling package or a declared dependency, all used', () => {
    const sibling = '@setwallet/protocol';
    for (const name of ['@setwallet/protocol', '@setwallet/merchant']) {
      const root = installed(name);
      const declared = Object.keys(manifest(name).dependencies ?? {});
      const used = new Set<string>();
      const problems: string[] = [];
      for (const file of filesUnder(join(root, 'dist'))) {
        const text = readFileSync(file, 'utf8');
        for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
          const where = `${relative(root, file)}: '${specifier}'`;
          if (specifier.startsWith('./') || specifier.startsWith('../')) {
            const target = join(file, '..', specifier);
            const resolved = file.endsWith('.d.ts') ? target.replace(/\.js$/, '.d.ts') : target;
            if (!specifier.endsWith('.js')) problems.push(`${where} does not end in .js`);
            else if (!existsSync(resolved)) problems.push(`${where} names no shipped file`);
            else if (relative(join(root, 'dist'), resolved).startsWith('..'))
              problems.push(`${where} leaves dist`);
            continue;
          }
          if (specifier.startsWith('node:')) continue;
          const pkg = specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/');
          if (pkg === sibling && name !== sibling && declared.includes(sibling)) {
            used.add(pkg);
            // A subpath (`@setwallet/protocol/amount.js`) is one of the protocol's shipped modules.
            const sub = specifier.slice(sibling.length + 1);
            const shipped = join(
              installed(sibling),
              'dist',
              file.endsWith('.d.ts') ? sub.replace(/\.js$/, '.d.ts') : sub,
            );
            if (sub !== '' && (!sub.endsWith('.js') || !existsSync(shipped)))
              problems.push(`${where} names no shipped module`);
            continue;
          }
          if (declared.includes(pkg)) used.add(pkg);
          else problems.push(`${where} is not a dependency`);
        }
      }
      expect(problems, name).toEqual([]);
      expect(
        declared.filter((d) => !used.has(d)),
        `${name}: declared but not imported`,
      ).toEqual([]);
    }
  });

  it('the browser modules load nothing of Node, directly or through the SDK’s other files', () => {
    const dist = join(installed('@setwallet/merchant'), 'dist');
    const imports = (file: string) =>
      ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
    /** The Node modules `entries` load, following the package's relative imports. */
    const nodeImports = (entries: string[]): string[] => {
      const seen = new Set<string>();
      const found: string[] = [];
      const queue = [...entries];
      for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
        if (seen.has(file)) continue;
        seen.add(file);
        for (const specifier of imports(file)) {
          if (specifier.startsWith('.')) queue.push(join(file, '..', specifier));
          else if (specifier.startsWith('node:') || specifier === '@hono/node-server') {
            found.push(`${relative(dist, file)} imports ${specifier}`);
          }
        }
      }
      return found.sort();
    };
    // The walk finds them where they are: the SDK's index loads the Node adapter and the bundle files.
    expect(nodeImports([join(dist, 'index.js')])).toEqual(
      expect.arrayContaining(['node-listener.js imports @hono/node-server', 'bundle.js imports node:fs']),
    );
    const browser = existsSync(join(dist, 'browser'))
      ? filesUnder(join(dist, 'browser')).filter((f) => f.endsWith('.js'))
      : [];
    expect(browser.length > 0).toBe(existsSync(join(ROOT, 'src/merchant/browser')));
    expect(nodeImports(browser)).toEqual([]);
  });

  it('every export target is shipped when its source exists', () => {
    for (const [name, source] of [
      ['@setwallet/protocol', 'src/protocol'],
      ['@setwallet/merchant', 'src/merchant'],
    ] as const) {
      for (const [subpath, target] of Object.entries(manifest(name).exports ?? {})) {
        if (typeof target === 'string' || subpath.includes('*')) continue;
        expect(Object.keys(target), `${name} ${subpath}`).toEqual(['types', 'default']);
        const fromSource = join(
          ROOT,
          source,
          target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'),
        );
        // `@setwallet/merchant/pay-with-set` is mapped before its source lands (docs/architecture.md).
        const expected = existsSync(fromSource);
        expect(existsSync(join(installed(name), target.default)), `${name} ${subpath}`).toBe(expected);
        expect(existsSync(join(installed(name), target.types)), `${name} ${subpath}`).toBe(expected);
      }
    }
  });

  it('tsc type-checks a consumer against the shipped .d.ts (nodenext), and refuses a wrong call', async () => {
    const browser = existsSync(join(ROOT, 'src/merchant/browser/pay-with-set.ts'));
    writeFileSync(
      join(shop, 'consumer.ts'),
      `import { createServer } from 'node:http';
import {
  createSetEndpoint,
  enrolMerchant,
  MemoryOrderStore,
  type OrderStore,
  SetWalletError,
  toNodeListener,
} from '@setwallet/merchant';
import { type ErrorCode, SetError } from '@setwallet/protocol';
${browser ? "import type * as button from '@setwallet/merchant/pay-with-set';\nexport type Button = typeof button;\n" : ''}
const orders: OrderStore = new MemoryOrderStore();
const code: ErrorCode = 'unknownXID';
const endpoint: typeof createSetEndpoint = createSetEndpoint;
export const server = createServer(toNodeListener(async () => new Response('ok')));
export function describe(e: unknown): string {
  return e instanceof SetWalletError || e instanceof SetError ? e.code : String(e);
}
export const parts = [orders, code, endpoint, enrolMerchant];
`,
    );
    writeFileSync(
      join(shop, 'wrong.ts'),
      `import { enrolMerchant } from '@setwallet/merchant';\nexport const p = enrolMerchant({ mca: 42 });\n`,
    );
    const tsc = join(ROOT, 'node_modules/.bin/tsc');
    const flags = [
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--types',
      'node',
      '--typeRoots',
      join(ROOT, 'node_modules/@types'),
    ];
    // One run for both files: consumer.ts must add no error, wrong.ts must have one.
    const errors = await sh(tsc, [...flags, 'consumer.ts', 'wrong.ts'], shop).then(
      () => [],
      (e: { stdout: string }) => e.stdout.split('\n').filter((l) => /error TS\d+/.test(l)),
    );
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error).toMatch(/^wrong\.ts\(2,\d+\): error TS2\d{3}:/);
  }, 300_000);
});

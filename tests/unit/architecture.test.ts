// The rules between folders of docs/architecture.md, enforced: every import in src/ and
// entrypoints/ (static, re-export and dynamic), read with TypeScript's own parser, is checked
// against the folder rules, and the modules the wallet's pages and content script load are
// checked against "pages and the content script import only the wallet's message schemas, errors
// and limits"; the extension's modules have no import circle. A violation names the file, the
// import and the rule.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

interface Edge {
  /** The importing file and the imported one, relative to the project root. */
  from: string;
  to: string;
  /** False for `import type`, `export type` and imports whose every name is a type. */
  value: boolean;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function isValueImport(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return false;
    const clause = node.exportClause;
    if (clause && ts.isNamedExports(clause) && clause.elements.length > 0) {
      return clause.elements.some((e) => !e.isTypeOnly);
    }
    return true;
  }
  // Under verbatimModuleSyntax only a whole-clause `import type` is erased: `import { type A }
  // from 'x'` still loads x, as a side-effect import does.
  return !node.importClause?.isTypeOnly;
}

function edgesOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const add = (specifier: string, value: boolean) => {
    if (!specifier.startsWith('.')) {
      // A package: kept apart, for the rule on what the service worker may load.
      if (value)
        PACKAGES.set(relative(ROOT, file), [...(PACKAGES.get(relative(ROOT, file)) ?? []), specifier]);
      return;
    }
    const target = resolve(dirname(file), specifier);
    edges.push({ from: relative(ROOT, file), to: relative(ROOT, target), value });
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) add(node.moduleSpecifier.text, isValueImport(node));
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The packages each module loads (value imports), by module. */
const PACKAGES = new Map<string, string[]>();
const FILES = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'entrypoints'))];
const EDGES = FILES.flatMap(edgesOf);
/** The imports of the tests, the benchmarks and the scripts. */
const TOOL_EDGES = ['tests', 'bench', 'scripts'].flatMap((dir) =>
  sourceFiles(join(ROOT, dir)).flatMap(edgesOf),
);

/** `src/gateway/x.ts` → `src/gateway`; `entrypoints/popup/main.tsx` → `entrypoints`. */
function folderOf(path: string): string {
  const parts = path.split('/');
  return parts[0] === 'src' ? `src/${parts[1]}` : parts[0]!;
}

/**
 * For each folder, the folders it may import (besides itself). Mirrors docs/architecture.md,
 * "Rules between folders".
 */
const LEAVES = ['src/protocol', 'src/storage', 'src/web'];
const MAY_IMPORT: Record<string, string[]> = {
  'src/protocol': [],
  'src/storage': [],
  'src/web': ['src/protocol'], // the body reader and the amounts only: see below
  'src/wallet': LEAVES,
  'src/merchant': ['src/protocol'], // it ships as @setwallet/merchant, which depends on the protocol only
  'src/gateway': LEAVES,
  'src/ca': LEAVES,
  'src/store': ['src/merchant', 'src/storage', 'src/web'],
  'src/ui': ['src/wallet', 'src/protocol'],
  'src/background': ['src/wallet', 'src/protocol'],
  'src/content': ['src/wallet', 'src/protocol'],
  'src/sandbox': [
    'src/protocol',
    'src/storage',
    'src/web',
    'src/merchant',
    'src/gateway',
    'src/ca',
    'src/store',
  ],
  'src/demo': [
    'src/protocol',
    'src/storage',
    'src/web',
    'src/merchant',
    'src/gateway',
    'src/ca',
    'src/store',
    'src/wallet',
    'src/sandbox',
  ],
  'src/cli': [
    'src/protocol',
    'src/storage',
    'src/web',
    'src/merchant',
    'src/gateway',
    'src/ca',
    'src/store',
    'src/wallet',
    'src/sandbox',
    'src/demo',
  ],
  entrypoints: ['src/ui', 'src/background', 'src/content', 'src/wallet'],
};

/** What src/web may take from src/protocol: the body reader, and the amounts its pages format. */
const WEB_MAY_IMPORT = ['src/protocol/body.ts', 'src/protocol/amount.ts'];

/** Every violation of the folder rules in `edges`, as sentences. */
function folderViolations(edges: Edge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const from = folderOf(e.from);
    const to = folderOf(e.to);
    if (from === to) continue;
    const allowed = MAY_IMPORT[from];
    if (!allowed) {
      out.push(`${e.from}: folder ${from} is not in docs/architecture.md's map`);
    } else if (!allowed.includes(to)) {
      out.push(`${e.from} imports ${e.to}: ${from} may import only ${allowed.join(', ') || 'itself'}`);
    } else if (from === 'src/web' && !WEB_MAY_IMPORT.includes(e.to)) {
      out.push(`${e.from} imports ${e.to}: src/web may import only src/protocol's body reader and amounts`);
    }
  }
  return out;
}

/** The modules `entry` loads at run time (value imports, followed transitively). */
function loadedBy(entry: string, edges: Edge[]): Set<string> {
  const byFile = new Map<string, Edge[]>();
  for (const e of edges) {
    if (!e.value) continue;
    const list = byFile.get(e.from) ?? [];
    list.push(e);
    byFile.set(e.from, list);
  }
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    for (const e of byFile.get(queue.pop()!) ?? []) {
      if (!seen.has(e.to)) {
        seen.add(e.to);
        queue.push(e.to);
      }
    }
  }
  return seen;
}

/** What the content script and the pages may load from the wallet: schemas, errors, limits. */
const WALLET_FOR_PAGES = new Set([
  'src/wallet/messages.ts',
  'src/wallet/bridge-messages.ts',
  'src/wallet/errors.ts',
  'src/wallet/limits.ts',
  'src/wallet/vault/strength.ts', // the passphrase meter, a pure function of the text typed
]);

/** Violations of the page and content-script rule, for each entry point. */
function pageViolations(entries: string[], edges: Edge[]): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    for (const module of loadedBy(entry, edges)) {
      if (module.startsWith('src/wallet/') && !WALLET_FOR_PAGES.has(module)) {
        out.push(
          `${entry} loads ${module}: pages and the content script import only the wallet's schemas, errors and limits`,
        );
      }
      if (/^src\/protocol\/(pki|primitives)\//.test(module)) {
        out.push(
          `${entry} loads ${module}: no certificate or cryptographic code in a page or the content script`,
        );
      }
    }
  }
  return out;
}

/**
 * What only a CA does (issuing certificates and CRLs, PEM private keys) and the ASN.1 library it
 * writes with: about 118 KB the service worker must not carry (issue 11). The wallet reads
 * certificates with src/protocol/pki/der.ts and imports src/protocol/core.ts, never index.ts.
 */
const CA_ONLY =
  /^src\/protocol\/(index\.ts|pki\/(index|issue|ca|asn1|private-key)\.ts|messages\/registration\/cert-issue\.ts)$/;
const ASN1_LIBRARY = /^(@peculiar\/|asn1js$|pvtsutils$|pvutils$)/;

function serviceWorkerViolations(entry: string, edges: Edge[], packages: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const module of loadedBy(entry, edges)) {
    if (CA_ONLY.test(module)) out.push(`${entry} loads ${module}: CA operations stay out of the wallet`);
    for (const name of packages.get(module) ?? []) {
      if (ASN1_LIBRARY.test(name))
        out.push(`${entry} loads ${name} (through ${module}): the wallet reads DER itself`);
    }
  }
  return out;
}

/** The test kit: real keys, certificates, parties, an HTTP wallet, processes, databases. */
const KIT = 'tests/support/';

/**
 * Violations of "the test kit": the tests, bench/ and scripts/ import tests/support/ openly; bench/
 * and scripts/ import nothing else of tests/; the kit imports no test and no tool; and the
 * product (src/, entrypoints/) imports none of them.
 */
function kitViolations(edges: Edge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const from = e.from.split('/')[0]!;
    const to = e.to.split('/')[0]!;
    const tool = ['tests', 'bench', 'scripts'].includes(to);
    if ((from === 'src' || from === 'entrypoints') && tool) {
      out.push(`${e.from} imports ${e.to}: the product imports no test, benchmark or script`);
    } else if ((from === 'bench' || from === 'scripts') && to === 'tests' && !e.to.startsWith(KIT)) {
      out.push(`${e.from} imports ${e.to}: bench/ and scripts/ import only the test kit, ${KIT}`);
    } else if (e.from.startsWith(KIT) && tool && !e.to.startsWith(KIT)) {
      out.push(`${e.from} imports ${e.to}: the test kit imports only src/, itself and packages`);
    }
  }
  return out;
}

/** The import circles among `edges` (type imports too), each as the files around it. */
function circles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const out: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (file: string) => {
    if (onPath.has(file)) {
      out.push([...path.slice(path.indexOf(file)), file]);
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    onPath.add(file);
    for (const to of next.get(file) ?? []) visit(to);
    path.pop();
    onPath.delete(file);
    done.add(file);
  };
  for (const file of next.keys()) visit(file);
  return out;
}

const PAGE_ENTRIES = [
  'entrypoints/content.ts',
  ...readdirSync(join(ROOT, 'entrypoints'))
    .map((name) => `entrypoints/${name}/main.tsx`)
    .filter((path) => existsSync(join(ROOT, path))),
];

describe('docs/architecture.md, enforced', () => {
  it('reads every import (a sanity check of the reader itself)', () => {
    expect(FILES.length).toBeGreaterThan(100);
    expect(EDGES.some((e) => e.from === 'src/cli/commands.ts' && e.to.startsWith('src/cli/'))).toBe(true);
    expect(PAGE_ENTRIES).toContain('entrypoints/popup/main.tsx');
    expect(PAGE_ENTRIES).toContain('entrypoints/confirm/main.tsx');
    for (const e of EDGES) expect(existsSync(join(ROOT, e.to)), `${e.from} → ${e.to}`).toBe(true);
  });

  it('every folder imports only what the rules between folders allow', () => {
    expect(folderViolations(EDGES)).toEqual([]);
  });

  it('pages and the content script load only the wallet’s schemas, errors and limits, and no PKI or crypto', () => {
    expect(pageViolations(PAGE_ENTRIES, EDGES)).toEqual([]);
  });

  it('the service worker loads no ASN.1 library and no CA operation (issue 11, background ≤ 150 KB)', () => {
    const entry = 'entrypoints/background.ts';
    expect(serviceWorkerViolations(entry, EDGES, PACKAGES)).toEqual([]);
    // It does read certificates, with the DER reader.
    expect(loadedBy(entry, EDGES).has('src/protocol/pki/der.ts')).toBe(true);
    // The rule catches a wallet module importing the protocol's index, or a reader importing the library.
    const planted: Edge = { from: 'src/wallet/roots.ts', to: 'src/protocol/index.ts', value: true };
    expect(serviceWorkerViolations(entry, [...EDGES, planted], PACKAGES).join('\n')).toMatch(/index\.ts/);
    const library = new Map([...PACKAGES, ['src/protocol/pki/der.ts', ['@peculiar/asn1-schema']]]);
    expect(serviceWorkerViolations(entry, EDGES, library).join('\n')).toMatch(/@peculiar\/asn1-schema/);
  });

  it('the extension has no import circle (src/wallet/index.ts and the switchboard, say)', () => {
    const extension = /^(src\/(wallet|background|content|ui)|entrypoints)\//;
    const edges = EDGES.filter((e) => extension.test(e.from) && extension.test(e.to));
    expect(edges.length).toBeGreaterThan(50);
    expect(circles(edges).map((c) => c.join(' → '))).toEqual([]);
    // The reader finds one when there is one.
    const planted: Edge = { from: 'src/wallet/wallet.ts', to: 'src/wallet/index.ts', value: false };
    const found = circles([...edges, planted]);
    expect(found.some((c) => c.includes('src/wallet/wallet.ts') && c.includes('src/wallet/index.ts'))).toBe(
      true,
    );
  });

  it('the test kit (tests/support/) is what bench/ and scripts/ import of tests/, and it imports no test', () => {
    expect(TOOL_EDGES.some((e) => e.from.startsWith('bench/') && e.to.startsWith(KIT))).toBe(true);
    expect(kitViolations([...EDGES, ...TOOL_EDGES])).toEqual([]);
    const planted: Edge[] = [
      { from: 'bench/gateway.ts', to: 'tests/integration/gateway.test.ts', value: true },
      { from: 'tests/support/world.ts', to: 'tests/unit/pki.test.ts', value: true },
      { from: 'src/sandbox/sandbox.ts', to: 'tests/support/world.ts', value: false },
    ];
    expect(kitViolations(planted)).toHaveLength(3);
  });

  it('would catch a forbidden import: the merchant importing the gateway, a page loading the vault', () => {
    const planted: Edge[] = [
      { from: 'src/merchant/endpoint.ts', to: 'src/gateway/ledger.ts', value: true },
      { from: 'src/protocol/amount.ts', to: 'src/storage/index.ts', value: false },
      { from: 'src/web/forms.ts', to: 'src/protocol/index.ts', value: true },
      { from: 'src/store/app.ts', to: 'src/protocol/index.ts', value: true },
    ];
    expect(folderViolations(planted)).toHaveLength(4);
    const pageEdges: Edge[] = [
      ...EDGES,
      { from: 'src/content/page-bridge.ts', to: 'src/wallet/vault/vault.ts', value: true },
    ];
    expect(pageViolations(['entrypoints/content.ts'], pageEdges)).toContain(
      "entrypoints/content.ts loads src/wallet/vault/vault.ts: pages and the content script import only the wallet's schemas, errors and limits",
    );
  });
});

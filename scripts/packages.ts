/**
 * The npm packages under packages/ (docs/architecture.md, "The packages"): `@setwallet/protocol`
 * compiled from src/protocol and `@setwallet/merchant` from src/merchant, to ESM JavaScript and
 * `.d.ts` in packages/NAME/dist. The source stays where the rest of the project imports it; each
 * package's tsconfig.json says how it compiles (with its own `lib` and `types`, so the protocol is
 * checked without Node's types).
 *
 * The source imports relative `.ts` paths. One transform, applied to the JavaScript (before
 * TypeScript's own) and to the declarations (after them), rewrites every module specifier that
 * names a file: within the package it becomes the same relative path ending in `.js`; into
 * another package's source folder it becomes that package's name (`../protocol/index.ts` →
 * `@setwallet/protocol`, any other file a subpath such as `@setwallet/protocol/pki/types.js`),
 * allowed only when the package depends on it; anywhere else the build fails.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(import.meta.dirname, '..');

export interface PackageSpec {
  /** The package's npm name. */
  name: string;
  /** Its folder under packages/. */
  dir: string;
  /** The source folder it compiles. */
  source: string;
}

export const PACKAGES: readonly PackageSpec[] = [
  { name: '@setwallet/protocol', dir: 'packages/protocol', source: 'src/protocol' },
  { name: '@setwallet/merchant', dir: 'packages/merchant', source: 'src/merchant' },
];

/** Thrown when a package cannot be built as it stands; the message says which file and why. */
export class PackageBuildError extends Error {
  override name = 'PackageBuildError';
}

const SOURCE_EXTENSION = /\.(?:d\.ts|ts|js)$/;

function within(folder: string, file: string): string | undefined {
  const rel = relative(folder, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? undefined : rel.split(sep).join('/');
}

/**
 * The specifier the compiled package uses for `specifier`, written in the source file `from`
 * (absolute path) of package `own`. Bare names (`valibot`, `node:fs`) are kept; a relative one is
 * resolved against the source tree, as described in this file's header.
 */
export function packageSpecifier(
  specifier: string,
  from: string,
  own: PackageSpec,
  options: { packages?: readonly PackageSpec[]; dependsOn: readonly string[]; root?: string },
): string {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return specifier;
  const root = options.root ?? ROOT;
  const target = resolve(dirname(from), specifier);
  const inOwn = within(join(root, own.source), target);
  if (inOwn !== undefined) {
    if (!SOURCE_EXTENSION.test(specifier)) {
      throw new PackageBuildError(`${relative(root, from)} imports '${specifier}': name the file with .ts`);
    }
    return specifier.replace(SOURCE_EXTENSION, '.js');
  }
  for (const other of options.packages ?? PACKAGES) {
    const rel = within(join(root, other.source), target);
    if (rel === undefined || other === own) continue;
    if (!options.dependsOn.includes(other.name)) {
      throw new PackageBuildError(
        `${relative(root, from)} imports '${specifier}' from ${other.name}, which ${own.name} does not depend on`,
      );
    }
    const module = rel.replace(SOURCE_EXTENSION, '');
    return module === 'index' ? other.name : `${other.name}/${module}.js`;
  }
  throw new PackageBuildError(
    `${relative(root, from)} imports '${specifier}', which is in no package: ${own.name} may import only its own ` +
      'source, the packages it depends on and npm dependencies',
  );
}

type Rewrite = (specifier: string, from: string) => string;

/** A transform that rewrites the module specifier of every import, export and import type. */
function rewriteSpecifiers(rewrite: Rewrite): ts.TransformerFactory<ts.SourceFile> {
  return (context) => {
    const { factory } = context;
    const transformFile = (file: ts.SourceFile): ts.SourceFile => {
      const literal = (node: ts.StringLiteral): ts.StringLiteral => {
        const to = rewrite(node.text, file.fileName);
        return to === node.text ? node : factory.createStringLiteral(to, true);
      };
      const visit = (node: ts.Node): ts.Node => {
        if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
          return factory.updateImportDeclaration(
            node,
            node.modifiers,
            node.importClause,
            literal(node.moduleSpecifier),
            node.attributes,
          );
        }
        if (
          ts.isExportDeclaration(node) &&
          node.moduleSpecifier &&
          ts.isStringLiteral(node.moduleSpecifier)
        ) {
          return factory.updateExportDeclaration(
            node,
            node.modifiers,
            node.isTypeOnly,
            node.exportClause,
            literal(node.moduleSpecifier),
            node.attributes,
          );
        }
        if (
          ts.isImportTypeNode(node) &&
          ts.isLiteralTypeNode(node.argument) &&
          ts.isStringLiteral(node.argument.literal)
        ) {
          return factory.updateImportTypeNode(
            node,
            factory.updateLiteralTypeNode(node.argument, literal(node.argument.literal)),
            node.attributes,
            node.qualifier,
            node.typeArguments?.map((t) => ts.visitNode(t, visit, ts.isTypeNode)),
            node.isTypeOf,
          );
        }
        if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
          const [argument] = node.arguments;
          if (argument === undefined || !ts.isStringLiteral(argument)) {
            throw new PackageBuildError(`${file.fileName}: import() of a computed path cannot be packaged`);
          }
          return factory.updateCallExpression(node, node.expression, node.typeArguments, [literal(argument)]);
        }
        return ts.visitEachChild(node, visit, context);
      };
      return ts.visitEachChild(file, visit, context);
    };
    return transformFile;
  };
}

function formatDiagnostics(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => ROOT,
    getNewLine: () => '\n',
  });
}

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

export function readPackageJson(spec: PackageSpec, root = ROOT): PackageJson {
  return JSON.parse(readFileSync(join(root, spec.dir, 'package.json'), 'utf8')) as PackageJson;
}

/**
 * Compiles one package into `outDir` (by default its tsconfig's, packages/NAME/dist), replacing it:
 * type-checks with the package's tsconfig.json, emits only the files of the package's own source
 * folder, and rewrites the module specifiers. Returns the files written, relative to `outDir`.
 */
export function buildPackage(spec: PackageSpec, out?: string): string[] {
  const config = join(ROOT, spec.dir, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    config,
    { noEmit: false },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new PackageBuildError(formatDiagnostics([d]));
      },
    },
  );
  if (parsed === undefined) throw new PackageBuildError(`cannot read ${config}`);
  if (parsed.errors.length > 0) throw new PackageBuildError(formatDiagnostics(parsed.errors));
  const options = out === undefined ? parsed.options : { ...parsed.options, outDir: resolve(out) };
  const outDir = options.outDir;
  const rootDir = options.rootDir;
  if (outDir === undefined || rootDir === undefined) {
    throw new PackageBuildError(`${config} must set rootDir and outDir`);
  }
  // Files of the package's source land in dist/ at their path within it; the other packages'
  // files, which the program holds only to type-check against, are not written.
  const sourceDir = join(ROOT, spec.source);
  const sourceInRoot = resolve(rootDir) === sourceDir ? '' : within(rootDir, sourceDir);
  if (sourceInRoot === undefined) throw new PackageBuildError(`${config}: rootDir must hold ${spec.source}`);
  const prefix = sourceInRoot === '' ? '' : `${sourceInRoot}/`;
  const dependsOn = Object.keys(readPackageJson(spec).dependencies ?? {});

  const program = ts.createProgram({ rootNames: parsed.fileNames, options });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) throw new PackageBuildError(formatDiagnostics(diagnostics));

  // Held until the whole emit succeeded, so a failed build leaves the previous dist/ as it was.
  const output = new Map<string, string>();
  const rewrite = rewriteSpecifiers((specifier, from) =>
    packageSpecifier(specifier, from, spec, { dependsOn }),
  );
  // Declarations come one file at a time too (no outFile), but the hook's type allows a Bundle.
  const rewriteDeclarations: ts.TransformerFactory<ts.SourceFile | ts.Bundle> = (context) => {
    const file = rewrite(context);
    return (node) =>
      ts.isBundle(node) ? context.factory.updateBundle(node, node.sourceFiles.map(file)) : file(node);
  };
  const result = program.emit(
    undefined,
    (fileName, text) => {
      const rel = within(outDir, fileName);
      if (rel === undefined) throw new PackageBuildError(`${fileName} is outside ${outDir}`);
      if (!rel.startsWith(prefix)) return;
      output.set(rel.slice(prefix.length), text);
    },
    undefined,
    false,
    { before: [rewrite], afterDeclarations: [rewriteDeclarations] },
  );
  if (result.diagnostics.length > 0) throw new PackageBuildError(formatDiagnostics(result.diagnostics));
  rmSync(outDir, { recursive: true, force: true });
  for (const [file, text] of output) {
    mkdirSync(dirname(join(outDir, file)), { recursive: true });
    writeFileSync(join(outDir, file), text);
  }
  return [...output.keys()].sort();
}

/**
 * Packs each package with `npm pack` into `out` and returns the tarballs' paths. Each is built
 * afresh into a private staging folder (its package.json, README.md and dist/), so a pack never
 * takes a stale dist/ and two packs at once (concurrent test files) do not meet.
 */
export function packPackages(out: string, specs: readonly PackageSpec[] = PACKAGES): string[] {
  mkdirSync(out, { recursive: true });
  return specs.map((spec) => {
    const staging = mkdtempSync(join(tmpdir(), 'setwallet-pack-'));
    try {
      buildPackage(spec, join(staging, 'dist'));
      for (const file of ['package.json', 'README.md']) {
        const from = join(ROOT, spec.dir, file);
        if (existsSync(from)) copyFileSync(from, join(staging, file));
      }
      // Built already: --ignore-scripts skips the package's prepack, which would build again.
      const json = execFileSync(
        'npm',
        ['pack', '--ignore-scripts', '--json', '--pack-destination', resolve(out)],
        { cwd: staging, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const [packed] = JSON.parse(json) as { filename: string }[];
      if (packed === undefined) throw new PackageBuildError(`npm pack wrote nothing for ${spec.name}`);
      return join(resolve(out), packed.filename);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  });
}

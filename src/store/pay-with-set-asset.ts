/**
 * The checkout button's script, /assets/pay-with-set.js: src/merchant/browser/pay-with-set.ts (the
 * SDK's browser helper, packaged as `@setwallet/merchant/pay-with-set`) compiled to one plain ES
 * module. The store runs from TypeScript sources, so it compiles that one file itself, with
 * TypeScript's transpileModule (types stripped, nothing bundled: the file imports nothing), on
 * the first request, and keeps the result.
 */
import { readFile } from 'node:fs/promises';

const SOURCE = new URL('../merchant/browser/pay-with-set.ts', import.meta.url);

let compiled: Promise<string> | undefined;

export function payWithSetScript(): Promise<string> {
  compiled ??= (async () => {
    const [source, ts] = await Promise.all([readFile(SOURCE, 'utf8'), import('typescript')]);
    const out = ts.default.transpileModule(source, {
      fileName: 'pay-with-set.ts',
      compilerOptions: {
        target: ts.default.ScriptTarget.ES2022,
        module: ts.default.ModuleKind.ESNext,
        verbatimModuleSyntax: true,
      },
      reportDiagnostics: false,
    });
    return out.outputText;
  })().catch((e: unknown) => {
    compiled = undefined;
    throw e;
  });
  return compiled;
}

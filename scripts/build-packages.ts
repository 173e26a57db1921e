/**
 * `npm run build:packages [-- NAME…]`: compiles the npm packages under packages/ (all, or those
 * named: `protocol`, `merchant`) into their dist/. `npm run pack:packages -- [--out DIR]` writes
 * their tarballs (`npm pack` of a fresh build, leaving dist/ alone) to DIR (default: the current
 * folder) and prints their paths. scripts/packages.ts does the work.
 */
import { parseArgs } from 'node:util';
import { buildPackage, PACKAGES, PackageBuildError, packPackages } from './packages.ts';

const { values, positionals } = parseArgs({
  options: { pack: { type: 'boolean', default: false }, out: { type: 'string', default: '.' } },
  allowPositionals: true,
});

const unknown = positionals.filter((p) => !PACKAGES.some((spec) => spec.dir === `packages/${p}`));
if (unknown.length > 0) {
  console.error(
    `No package ${unknown.join(', ')}: choose from ${PACKAGES.map((s) => s.dir.slice(9)).join(', ')}`,
  );
  process.exit(2);
}
const chosen =
  positionals.length > 0 ? PACKAGES.filter((s) => positionals.includes(s.dir.slice(9))) : PACKAGES;

try {
  if (values.pack) {
    for (const tarball of packPackages(values.out, chosen)) console.log(tarball);
  } else {
    for (const spec of chosen) {
      const files = buildPackage(spec);
      console.log(`${spec.name}: ${files.length} files in ${spec.dir}/dist`);
    }
  }
} catch (e) {
  if (!(e instanceof PackageBuildError)) throw e;
  console.error(e.message);
  process.exit(1);
}

// scripts/packages.ts: how the packages' compiled files name their imports. Within a package a
// relative `.ts` path becomes `.js`; into a package it depends on, that package's name (its index)
// or a subpath; into a package it does not depend on, or a folder that is no package, the build
// stops with a sentence naming the file.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGES, PackageBuildError, packageSpecifier, readPackageJson } from '../../scripts/packages.ts';

const root = '/repo';
const protocol = PACKAGES.find((p) => p.name === '@setwallet/protocol')!;
const merchant = PACKAGES.find((p) => p.name === '@setwallet/merchant')!;
const inMerchant = join(root, 'src/merchant/endpoint.ts');
const inBrowser = join(root, 'src/merchant/browser/pay-with-set.ts');
const inProtocol = join(root, 'src/protocol/messages/wire.ts');
const merchantDeps = { dependsOn: ['@setwallet/protocol', 'valibot'], root };

describe('packageSpecifier', () => {
  it('keeps bare and node: specifiers', () => {
    for (const s of ['valibot', '@noble/curves/nist.js', 'node:fs', '@hono/node-server']) {
      expect(packageSpecifier(s, inMerchant, merchant, merchantDeps)).toBe(s);
    }
  });

  it('turns a relative .ts path within the package into .js, in any folder', () => {
    expect(packageSpecifier('./keys.ts', inMerchant, merchant, merchantDeps)).toBe('./keys.js');
    expect(packageSpecifier('../keys.ts', inBrowser, merchant, merchantDeps)).toBe('../keys.js');
    expect(packageSpecifier('./browser/pay-with-set.ts', inMerchant, merchant, merchantDeps)).toBe(
      './browser/pay-with-set.js',
    );
    expect(packageSpecifier('../pki/types.ts', inProtocol, protocol, { dependsOn: [], root })).toBe(
      '../pki/types.js',
    );
    // Declarations name what TypeScript wrote for them, already .js.
    expect(packageSpecifier('./keys.js', inMerchant, merchant, merchantDeps)).toBe('./keys.js');
  });

  it('turns a path into the protocol’s source into @setwallet/protocol or its subpath', () => {
    expect(packageSpecifier('../protocol/index.ts', inMerchant, merchant, merchantDeps)).toBe(
      '@setwallet/protocol',
    );
    expect(packageSpecifier('../../protocol/index.ts', inBrowser, merchant, merchantDeps)).toBe(
      '@setwallet/protocol',
    );
    expect(packageSpecifier('../protocol/pki/types.ts', inMerchant, merchant, merchantDeps)).toBe(
      '@setwallet/protocol/pki/types.js',
    );
    expect(packageSpecifier('../../protocol/initiation.js', inBrowser, merchant, merchantDeps)).toBe(
      '@setwallet/protocol/initiation.js',
    );
  });

  it('refuses what the package could not import once installed, naming the file', () => {
    const refused = (specifier: string, from: string, own = merchant, dependsOn = merchantDeps.dependsOn) => {
      try {
        packageSpecifier(specifier, from, own, { dependsOn, root });
      } catch (e) {
        expect(e).toBeInstanceOf(PackageBuildError);
        return (e as Error).message;
      }
      throw new Error(`${specifier} was accepted`);
    };
    // A package it does not depend on (here, the protocol importing the merchant SDK).
    expect(refused('../../merchant/index.ts', inProtocol, protocol, [])).toBe(
      "src/protocol/messages/wire.ts imports '../../merchant/index.ts' from @setwallet/merchant, which " +
        '@setwallet/protocol does not depend on',
    );
    expect(refused('../protocol/index.ts', inMerchant, merchant, ['valibot'])).toMatch(/does not depend on/);
    // Folders that are in no package: the sandbox, the gateway, the leaves, tests.
    for (const specifier of ['../sandbox/sandbox.ts', '../web/forms.ts', '../../tests/support/world.ts']) {
      expect(refused(specifier, inMerchant)).toMatch(
        new RegExp(
          `^src/merchant/endpoint.ts imports '${specifier.replaceAll('.', '\\.')}', which is in no package`,
        ),
      );
    }
    // A folder or extensionless path would not resolve in Node's ESM loader.
    expect(refused('./keys', inMerchant)).toMatch(/name the file with \.ts/);
  });
});

describe('the packages’ package.json', () => {
  it('the merchant SDK depends on the protocol at the same version', () => {
    const p = readPackageJson(protocol);
    expect(readPackageJson(merchant).dependencies?.['@setwallet/protocol']).toBe(p.version);
  });
});

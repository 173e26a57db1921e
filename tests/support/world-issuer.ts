/**
 * The world's CAs as the issuer site (src/ca's createIssuerSite) takes them: the SETPay brand, its
 * brand CA, the CCA, MCA and PCA with their key-exchange keys, and the world's root as the one
 * trusted. Each test adds its database, test cards, administrator token and the rest.
 */
import type { IssuerSiteDeps } from '../../src/ca/index.ts';
import type { World } from './world.ts';

export function worldCas(
  world: World,
): Pick<IssuerSiteDeps, 'brandId' | 'brand' | 'cca' | 'mca' | 'pca' | 'trustedRoots'> {
  const party = world.party;
  return {
    brandId: 'SETPay',
    brand: party('brand-ca'),
    cca: { signature: party('cca'), keyExchange: party('cca-kx') },
    mca: { signature: party('mca'), keyExchange: party('mca-kx') },
    pca: { signature: party('pca'), keyExchange: party('pca-kx') },
    trustedRoots: [world.root],
  };
}

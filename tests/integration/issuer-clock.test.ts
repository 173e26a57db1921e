// The issuer site's behaviour over time and across restarts, with a clock the test moves and
// app.request() (no server): registrations expire after 30 minutes, a retry outside the date
// window is refused rather than replayed, CRLs and the BrandCRLIdentifier are reissued before they
// go stale, and a second site on the same database (a restart, or another process) publishes
// nothing new. Also: a site wired with the wrong keys or cards refuses to start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CRL_REFRESH_MS,
  createIssuerSite,
  type IssuerSite,
  type IssuerSiteDeps,
  PENDING_TTL_MS,
} from '../../src/ca/index.ts';
import {
  buildCardCInitReq,
  buildCertReq,
  buildRegFormReq,
  encodeWire,
  generateKeyPair,
  readError,
  TrustStore,
  verifyBrandCrlIdentifier,
  verifyCardCInitRes,
  verifyCertRes,
  verifyRegFormRes,
} from '../../src/protocol/index.ts';
import { type Backend, backends } from '../support/databases.ts';
import { makeWorld } from '../support/world.ts';
import { worldCas } from '../support/world-issuer.ts';

const world = makeWorld();
const root = world.root;
const PAN = '4111111111111111';

describe.each(backends)('issuer site over time on $name', (backend: Backend) => {
  let clockAt = new Date();
  let deps: IssuerSiteDeps;
  let site: IssuerSite;
  let drop: () => Promise<void>;

  const now = () => clockAt;
  const advance = (ms: number) => {
    clockAt = new Date(clockAt.getTime() + ms);
  };
  const ctx = () => ({ trust: new TrustStore([root]), clock: { now: clockAt } });

  async function post(body: string) {
    const res = await site.app.request('/set/cca', { method: 'POST', body });
    return { status: res.status, text: await res.text() };
  }

  async function errorCode(text: string): Promise<string> {
    return (await readError(text, ctx())).content.errorCode;
  }

  beforeAll(async () => {
    const opened = await backend.open();
    drop = opened.drop;
    deps = {
      db: opened.db,
      ...worldCas(world),
      testCards: [{ pan: PAN, behaviour: 'approve', label: 'Approves' }],
      adminToken: 'a-test-admin-token-0123456789',
      issuerName: 'SETPay Sandbox Bank',
      now,
      log: () => {},
    };
    site = await createIssuerSite(deps);
  });

  afterAll(async () => {
    await drop?.();
  });

  it('forgets a registration after 30 minutes', async () => {
    const wallet = ctx();
    const initReq = buildCardCInitReq({ brandId: 'SETPay', now: clockAt });
    const init = await verifyCardCInitRes(
      (await post(encodeWire(initReq.wire))).text,
      initReq.content,
      wallet,
    );
    advance(PENDING_TTL_MS + 60_000);
    const regReq = await buildRegFormReq({ init: { ...init }, pan: PAN, now: clockAt });
    const res = await post(encodeWire(regReq.wire));
    expect(res.status).toBe(404);
    expect(await errorCode(res.text)).toBe('unknownRRPID');
    // The next CardCInitReq tidies up: the expired row is gone.
    await post(encodeWire(buildCardCInitReq({ brandId: 'SETPay', now: clockAt }).wire));
    const rows = await deps.db.query('SELECT 1 FROM ca_pending_registrations WHERE lid_ca = $1', [
      init.content.lidCA,
    ]);
    expect(rows).toHaveLength(0);
  });

  it('replays a retried CertReq only within the date window', async () => {
    const wallet = ctx();
    const initReq = buildCardCInitReq({ brandId: 'SETPay', now: clockAt });
    const init = await verifyCardCInitRes(
      (await post(encodeWire(initReq.wire))).text,
      initReq.content,
      wallet,
    );
    const regReq = await buildRegFormReq({ init, pan: PAN, now: clockAt });
    const form = await verifyRegFormRes((await post(encodeWire(regReq.wire))).text, regReq.content, wallet);
    const certReq = await buildCertReq({
      answering: form.content,
      caKeyExchange: init.caKeyExchange.chain[0]!,
      privateKey: generateKeyPair().privateKey,
      request: { requestType: 'cardholder', card: { pan: PAN, expiry: '203012' } },
      answers: { fullName: 'Ada Lovelace', postcode: 'N1 9GU' },
      now: clockAt,
    });
    const wire = encodeWire(certReq.wire);
    const first = await post(wire);
    expect((await verifyCertRes(first.text, certReq.content, wallet)).status).toBe('issued');
    advance(60_000);
    expect((await post(wire)).text).toBe(first.text);
    advance(10 * 60_000);
    const late = await post(wire);
    expect(late.status).toBe(400);
    expect(await errorCode(late.text)).toBe('messageTooOld');
  });

  it('reissues CRLs and the BrandCRLIdentifier before they go stale, once for all CAs', async () => {
    const before = await site.currentCrls();
    const trustBefore = new TrustStore([root], before);
    trustBefore.add(world.party('brand-ca').certificate);
    const bciBefore = (
      await verifyBrandCrlIdentifier(await site.brandCrlIdentifier(), {
        trust: trustBefore,
        clock: { now: clockAt },
      })
    ).content;
    // Still fresh: nothing changes.
    expect((await site.currentCrls()).map((c) => c.crlNumber)).toEqual(before.map((c) => c.crlNumber));

    advance(CRL_REFRESH_MS + 60_000);
    const after = await site.currentCrls();
    expect(after.map((c) => c.crlNumber)).toEqual(before.map((c) => c.crlNumber + 1));
    for (const crl of after) expect(crl.nextUpdate.getTime()).toBeGreaterThan(clockAt.getTime());
    const trust = new TrustStore([root], after);
    trust.add(world.party('brand-ca').certificate);
    const bci = (
      await verifyBrandCrlIdentifier(await site.brandCrlIdentifier(), {
        trust,
        clock: { now: clockAt },
      })
    ).content;
    expect(bci.sequence).toBe(bciBefore.sequence + 1);
  });

  it('a second site on the same database publishes nothing new', async () => {
    const crls = await site.currentCrls();
    const bci = await site.brandCrlIdentifier();
    const again = await createIssuerSite(deps);
    expect((await again.currentCrls()).map((c) => c.crlNumber)).toEqual(crls.map((c) => c.crlNumber));
    expect(await again.brandCrlIdentifier()).toEqual(bci);
  });

  it('refuses to start with the wrong keys, cards or token', async () => {
    const party = world.party;
    await expect(
      createIssuerSite({ ...deps, cca: { signature: party('mca'), keyExchange: party('cca-kx') } }),
    ).rejects.toThrow(/cardholder-ca/);
    await expect(
      createIssuerSite({
        ...deps,
        cca: {
          signature: { ...party('cca'), privateKey: party('mca').privateKey },
          keyExchange: party('cca-kx'),
        },
      }),
    ).rejects.toThrow(/private key/);
    await expect(createIssuerSite({ ...deps, trustedRoots: [makeWorld().root] })).rejects.toThrow(/^brand: /);
    await expect(createIssuerSite({ ...deps, brandId: 'Other' })).rejects.toThrow(/brandId/);
    await expect(
      createIssuerSite({
        ...deps,
        testCards: [{ pan: '4111111111111112', behaviour: 'approve', label: 'x' }],
      }),
    ).rejects.toThrow(/Luhn/);
    await expect(createIssuerSite({ ...deps, adminToken: 'short' })).rejects.toThrow(/operator token/);
  });
});

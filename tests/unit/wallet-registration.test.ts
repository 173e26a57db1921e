// Card registration through the wallet (src/wallet/registration.ts) against an in-process
// cardholder CA made from src/protocol's CA-side functions, over a fake page transport: the
// sandbox root added by two-step confirmation, CardCInit → RegForm → CertReq/CertRes, the card
// kept with its secrets sealed, then listing, default, removal, referral and rejection.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  b64u,
  buildCardCInitRes,
  buildCertInqRes,
  buildCertRes,
  buildRegFormRes,
  type CertReqData,
  certInqReqLidCA,
  certificateToPem,
  certReqPublicKey,
  decodeWire,
  encodeWire,
  hex,
  issueFromCertReq,
  openCertReq,
  openRegFormReq,
  type PendingRegistration,
  parseCardCInitReq,
  regFormAnswersProblem,
  verifyCertInqReq,
} from '../../src/protocol/index.ts';
import { createWallet, type Send, type Wallet } from '../../src/wallet/index.ts';
import { memoryPlatform, PASS, rejects } from '../support/wallet-kit.ts';
import { makeWorld, TEST_REG_FORM, type World } from '../support/world.ts';

const PAN = '4111111111111111';
const INITIATION = JSON.stringify({
  set: 'SET/2',
  kind: 'registration',
  brand: 'SETPay',
  endpoint: '/set/cca',
  issuerName: 'SETPay Sandbox Bank',
});
const ISSUER_ORIGIN = 'https://bank.example';

/** The issuer's CA endpoint: what the page transport reaches. */
function ccaEndpoint(world: World, opts: { referral?: string } = {}) {
  const clock = world.clock;
  const cca = world.party('cca');
  const ccaKx = world.party('cca-kx');
  const pendings = new Map<string, PendingRegistration>();
  /** CertReqs the issuer reviews (a name starting "Review"), by LID-CA: issued at the inquiry. */
  const reviewing = new Map<string, CertReqData>();
  const seen: string[] = [];
  const send: Send = async (wire) => {
    seen.push(wire);
    const type = decodeWire(wire).type;
    if (type === 'CardCInitReq') {
      const req = parseCardCInitReq(wire, clock);
      return encodeWire(
        (await buildCardCInitRes({ req, ca: cca, caKeyExchange: ccaKx.chain, now: clock.now })).wire,
      );
    }
    if (type === 'RegFormReq') {
      const req = await openRegFormReq(wire, ccaKx, clock);
      const answer = opts.referral ? { referral: opts.referral } : { regForm: TEST_REG_FORM };
      const res = await buildRegFormRes({ req, ca: cca, answer, now: clock.now });
      pendings.set(res.content.lidCA, {
        lidEE: res.content.lidEE,
        challCA: res.content.challCA,
        requestType: 'cardholder',
      });
      return encodeWire(res.wire);
    }
    if (type === 'CertReq') {
      const opened = await openCertReq(wire, ccaKx, (lidCA) => pendings.get(lidCA), clock);
      const problem = regFormAnswersProblem(TEST_REG_FORM, opened.content.answers);
      if (opened.content.answers.fullName?.startsWith('Review')) {
        reviewing.set(opened.content.lidCA, opened.content);
      }
      const result = opened.content.answers.fullName?.startsWith('Reject')
        ? { status: 'rejected' as const, reason: 'the issuer does not know this cardholder' }
        : reviewing.has(opened.content.lidCA)
          ? { status: 'pending' as const, reason: 'the issuer is reviewing the application' }
          : problem
            ? { status: 'rejected' as const, reason: problem }
            : issueFromCertReq({ req: opened.content, issuer: world.issuer('cca'), now: clock.now });
      return encodeWire((await buildCertRes({ req: opened.content, ca: cca, result, now: clock.now })).wire);
    }
    if (type === 'CertInqReq') {
      const req = reviewing.get(certInqReqLidCA(wire));
      if (!req) throw new Error('no registration under review has this LID-CA');
      const inq = await verifyCertInqReq(wire, { lidEE: req.lidEE, publicKey: certReqPublicKey(req) }, clock);
      const result = issueFromCertReq({ req, issuer: world.issuer('cca'), now: clock.now });
      return encodeWire(
        (await buildCertInqRes({ inq, caBackKey: req.caBackKey, ca: cca, result, now: clock.now })).wire,
      );
    }
    throw new Error(`the CCA does not take ${type}`);
  };
  return { send, seen };
}

describe('wallet registration', () => {
  const world = makeWorld();
  const platform = memoryPlatform(() => world.clock.now);
  const session = platform.session;
  let wallet: Wallet;
  const answers = { fullName: 'Ada Lovelace', postcode: 'N1 9GU' };

  beforeAll(async () => {
    wallet = await createWallet(platform);
    await wallet.vault.create(PASS);
  });

  it('trusts a sandbox root only after the user confirms its fingerprint', async () => {
    const cca = ccaEndpoint(world);
    // Without the root, the CCA's chain leads nowhere (roots are never carried).
    const e = await rejects(
      wallet.registrations.start({ initiation: INITIATION, origin: ISSUER_ORIGIN }, cca.send),
      'protocol',
    );
    expect(e.setCode).toBe('missingCertificate');

    const pem = certificateToPem(world.root.der);
    const proposal = await wallet.roots.propose(pem);
    expect(proposal.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(proposal.fingerprint.replace(/:/g, '').toLowerCase()).toBe(hex(world.root.thumbprint));
    expect(proposal.subject).toContain('SET/2 Sandbox Root CA');
    expect(await wallet.roots.list()).toEqual([]);
    await rejects(wallet.roots.confirm('00:11'), 'unknownRoot');
    await rejects(wallet.roots.propose(certificateToPem(world.party('cca').certificate.der)), 'invalidRoot');
    const root = await wallet.roots.confirm(proposal.fingerprint);
    expect(root).toMatchObject({ sandbox: true, builtIn: false, fingerprint: proposal.fingerprint });
    expect(await wallet.roots.list()).toHaveLength(1);
  });

  it('registers a card: CardCInit → RegForm → CertReq/CertRes, then keeps it sealed', async () => {
    const cca = ccaEndpoint(world);
    const started = await wallet.registrations.start(
      { initiation: INITIATION, origin: ISSUER_ORIGIN },
      cca.send,
    );
    expect(started).toMatchObject({
      step: 'card',
      brand: 'SETPay',
      issuerName: 'SETPay Sandbox Bank',
      origin: ISSUER_ORIGIN,
      ca: { name: 'SETPay Cardholder CA', sandbox: true },
    });
    // Typos are caught before anything is sent.
    await rejects(
      wallet.registrations.enterCard(
        started.registrationId,
        { pan: '4111111111111112', expiry: '202912' },
        cca.send,
      ),
      'invalidCardNumber',
    );
    await rejects(
      wallet.registrations.enterCard(started.registrationId, { pan: PAN, expiry: '201912' }, cca.send),
      'invalidExpiry',
    );
    await rejects(wallet.registrations.submit(started.registrationId, answers, cca.send), 'wrongStep');
    const form = await wallet.registrations.enterCard(
      started.registrationId,
      { pan: '4111 1111 1111 1111', expiry: '202912' },
      cca.send,
    );
    expect(form.step).toBe('form');
    expect(form.form).toEqual(TEST_REG_FORM);
    // The state waiting between steps is sealed: the PAN is not in storage.session in clear.
    expect(JSON.stringify([...session.data.values()])).not.toContain(PAN);

    await rejects(
      wallet.registrations.submit(form.registrationId, { fullName: 'Ada Lovelace' }, cca.send),
      'invalidAnswers',
    );
    const done = await wallet.registrations.submit(form.registrationId, answers, cca.send);
    expect(done.step).toBe('done');
    expect(done.card).toMatchObject({
      brand: 'SETPay',
      last4: '1111',
      masked: '•••• 1111',
      expiry: '202912',
      sandbox: true,
      isDefault: true,
      // The verified CCA certificate's name, not the page's 'SETPay Sandbox Bank'.
      issuerName: 'SETPay Cardholder CA',
    });
    expect(cca.seen.map((w) => decodeWire(w).type)).toEqual(['CardCInitReq', 'RegFormReq', 'CertReq']);
    // The PAN never travelled in clear.
    expect(cca.seen.join('')).not.toContain(PAN);
    await rejects(wallet.registrations.get(done.registrationId), 'unknownRegistration');

    // At rest: the PAN, expiry and keys are in no IndexedDB record in clear.
    const stored = JSON.stringify({
      cards: await wallet.db.getAll('cards'),
      secrets: await wallet.db.getAll('secrets'),
      meta: await wallet.db.getAll('meta'),
    });
    expect(stored).not.toContain(PAN);
    expect(stored).not.toContain('202912');

    // The signer opens the sealed secrets; none of them is stored in clear.
    const signer = await wallet.cards.signer(done.card!.id);
    expect(signer.card.pan).toBe(PAN);
    for (const secret of [signer.cardholder.privateKey, signer.card.cardSecret, signer.card.panSecret]) {
      expect(stored).not.toContain(b64u(secret));
    }
    expect(signer.cardholder.chain.map((c) => c.certificateType)).toEqual([
      'cardholder',
      'cardholder-ca',
      'brand-ca',
    ]);
  });

  it('resumes a registration after the service worker restarted between steps', async () => {
    const cca = ccaEndpoint(world);
    const started = await wallet.registrations.start(
      { initiation: INITIATION, origin: ISSUER_ORIGIN },
      cca.send,
    );
    const restarted = await createWallet(platform);
    const form = await restarted.registrations.enterCard(
      started.registrationId,
      { pan: '5555555555554444', expiry: '203001' },
      cca.send,
    );
    const done = await (await createWallet(platform)).registrations.submit(
      form.registrationId,
      answers,
      cca.send,
    );
    expect(done.card).toMatchObject({ last4: '4444', isDefault: false });
  });

  it('refuses a registration kept in another shape (an older wallet’s) with a clear error, and drops it', async () => {
    const cca = ccaEndpoint(world);
    const started = await wallet.registrations.start(
      { initiation: INITIATION, origin: ISSUER_ORIGIN },
      cca.send,
    );
    const key = `wallet.registration.${started.registrationId}`;
    const aad = `registration/${started.registrationId}`;
    const kept = await wallet.vault.openJson<Record<string, unknown>>(
      aad,
      (await session.get(key))[key] as Parameters<Wallet['vault']['openJson']>[1],
    );
    // At the form step without the form; pending without the CertReq to ask about; a step this
    // version does not know; a field it does not know; not even an object.
    const { initReq: _initReq, ...withoutInitReq } = kept;
    for (const old of [
      { ...kept, step: 'form', card: { pan: '5555555555554444', expiry: '203001' } },
      { ...kept, step: 'pending' },
      { ...kept, step: 'signing' },
      { ...kept, panSecret: 'AAAA' },
      withoutInitReq,
      'card',
    ]) {
      await session.set({ [key]: await wallet.vault.sealJson(aad, old) });
      await rejects(wallet.registrations.get(started.registrationId), 'unknownRegistration').then((e) =>
        expect(e.message).toMatch(/another version of the wallet/),
      );
      expect(await session.get(key)).toEqual({});
      await rejects(
        wallet.registrations.enterCard(
          started.registrationId,
          { pan: '5555555555554444', expiry: '203001' },
          cca.send,
        ),
        'unknownRegistration',
      );
    }
    // The record as this version keeps it still reads.
    await session.set({ [key]: await wallet.vault.sealJson(aad, kept) });
    expect((await wallet.registrations.get(started.registrationId)).step).toBe('card');
    await wallet.registrations.cancel(started.registrationId);
  });

  it('lists several cards, changes the default and removes a card with its secrets', async () => {
    const cards = await wallet.cards.list();
    expect(cards.map((c) => [c.last4, c.isDefault])).toEqual([
      ['1111', true],
      ['4444', false],
    ]);
    for (const c of cards) expect(Date.parse(c.validTo)).toBeGreaterThan(Date.parse(c.validFrom));
    await wallet.cards.setDefault(cards[1]!.id);
    expect((await wallet.cards.list()).find((c) => c.isDefault)?.last4).toBe('4444');
    await rejects(wallet.cards.setDefault('nope'), 'unknownCard');

    await wallet.vault.lock();
    // Locked: the list still shows, without the (encrypted) expiry; removing needs the passphrase.
    expect((await wallet.cards.list()).every((c) => c.expiry === undefined)).toBe(true);
    await rejects(wallet.cards.remove(cards[1]!.id), 'locked');
    await rejects(
      wallet.registrations.start({ initiation: INITIATION, origin: ISSUER_ORIGIN }, ccaEndpoint(world).send),
      'locked',
    );
    await wallet.vault.unlock(PASS);

    await wallet.cards.remove(cards[1]!.id);
    expect(await wallet.db.get('secrets', `card/${cards[1]!.id}`)).toBeUndefined();
    const left = await wallet.cards.list();
    expect(left.map((c) => [c.last4, c.isDefault])).toEqual([['1111', true]]);
  });

  it('reports a referral and a rejection as results', async () => {
    const referring = ccaEndpoint(world, { referral: 'https://other-bank.example/register' });
    const started = await wallet.registrations.start(
      { initiation: INITIATION, origin: ISSUER_ORIGIN },
      referring.send,
    );
    const referred = await wallet.registrations.enterCard(
      started.registrationId,
      { pan: PAN, expiry: '202912' },
      referring.send,
    );
    expect(referred).toMatchObject({ step: 'referral', referral: 'https://other-bank.example/register' });

    const cca = ccaEndpoint(world);
    const s2 = await wallet.registrations.start({ initiation: INITIATION, origin: ISSUER_ORIGIN }, cca.send);
    await wallet.registrations.enterCard(s2.registrationId, { pan: PAN, expiry: '202912' }, cca.send);
    const rejected = await wallet.registrations.submit(
      s2.registrationId,
      { fullName: 'Reject Me', postcode: 'N1 9GU' },
      cca.send,
    );
    expect(rejected).toMatchObject({ step: 'rejected', reason: 'the issuer does not know this cardholder' });
    expect(await wallet.cards.list()).toHaveLength(1);
  });

  it('a registration the issuer reviews waits at step pending, across a restart, until CertInqReq issues it', async () => {
    const cca = ccaEndpoint(world);
    const started = await wallet.registrations.start(
      { initiation: INITIATION, origin: ISSUER_ORIGIN },
      cca.send,
    );
    await wallet.registrations.enterCard(
      started.registrationId,
      { pan: '5105105105105100', expiry: '203001' },
      cca.send,
    );
    const pending = await wallet.registrations.submit(
      started.registrationId,
      { ...answers, fullName: 'Review Ada' },
      cca.send,
    );
    expect(pending).toMatchObject({ step: 'pending', reason: 'the issuer is reviewing the application' });
    expect(pending.form).toBeUndefined();
    // Only the inquiry belongs to a pending registration.
    await rejects(wallet.registrations.submit(started.registrationId, answers, cca.send), 'wrongStep');
    const restarted = await createWallet(platform);
    expect((await restarted.registrations.get(started.registrationId)).step).toBe('pending');
    const done = await restarted.registrations.inquire(started.registrationId, cca.send);
    expect(done.step).toBe('done');
    expect(done.card).toMatchObject({ last4: '5100', expiry: '203001' });
    await rejects(restarted.registrations.get(started.registrationId), 'unknownRegistration');
    await wallet.cards.remove(done.card!.id);
  });

  it('refuses an initiation whose endpoint is on another origin, and a transport failure is typed', async () => {
    const cross = JSON.stringify({ ...JSON.parse(INITIATION), endpoint: 'https://evil.example/cca' });
    const e = await rejects(
      wallet.registrations.start({ initiation: cross, origin: ISSUER_ORIGIN }, ccaEndpoint(world).send),
      'protocol',
    );
    expect(e.setCode).toBe('decodingFailure');
    await rejects(
      wallet.registrations.start({ initiation: INITIATION, origin: ISSUER_ORIGIN }, async () => {
        throw new Error('tab closed');
      }),
      'transport',
    );
  });

  it('a card under a built-in root is not a sandbox card', async () => {
    const pem = certificateToPem(world.root.der);
    const built = await createWallet(
      memoryPlatform(() => world.clock.now),
      { builtInRoots: [pem] },
    );
    await built.vault.create(PASS);
    expect(await built.roots.list()).toMatchObject([{ builtIn: true, sandbox: false }]);
    const cca = ccaEndpoint(world);
    const started = await built.registrations.start(
      { initiation: INITIATION, origin: ISSUER_ORIGIN },
      cca.send,
    );
    expect(started.ca.sandbox).toBe(false);
    await built.registrations.enterCard(started.registrationId, { pan: PAN, expiry: '202912' }, cca.send);
    const done = await built.registrations.submit(started.registrationId, answers, cca.send);
    expect(done.card?.sandbox).toBe(false);
    await rejects(built.roots.remove((await built.roots.list())[0]!.fingerprint), 'unknownRoot');
  });
});

describe('a card’s issuer label', () => {
  const world = makeWorld();
  const platform = memoryPlatform(() => world.clock.now);
  let wallet: Wallet;

  beforeAll(async () => {
    wallet = await createWallet(platform);
    await wallet.vault.create(PASS);
    await wallet.roots.confirm((await wallet.roots.propose(certificateToPem(world.root.der))).fingerprint);
  });

  it('comes from the verified CCA certificate, never from the registering page', async () => {
    const cca = ccaEndpoint(world);
    // A page on an origin of its own that names a bank it is not.
    const forged = JSON.stringify({ ...JSON.parse(INITIATION), issuerName: 'Trusted National Bank' });
    const started = await wallet.registrations.start(
      { initiation: forged, origin: 'https://phish.example' },
      cca.send,
    );
    // During registration the page's words are shown as the page's, beside the verified CA.
    expect(started.issuerName).toBe('Trusted National Bank');
    expect(started.ca.name).toBe('SETPay Cardholder CA');
    const form = await wallet.registrations.enterCard(
      started.registrationId,
      { pan: PAN, expiry: '202912' },
      cca.send,
    );
    const done = await wallet.registrations.submit(
      form.registrationId,
      { fullName: 'Ada Lovelace', postcode: 'N1 9GU' },
      cca.send,
    );
    expect(done.card?.issuerName).toBe('SETPay Cardholder CA');
    const listed = await wallet.cards.list();
    expect(listed.map((c) => c.issuerName)).toEqual(['SETPay Cardholder CA']);
    const record = await wallet.db.get('cards', done.card!.id);
    expect(JSON.stringify(record)).not.toContain('Trusted National Bank');

    // A label an older wallet kept from the page is ignored too.
    await wallet.db.put('cards', { ...record!, issuerName: 'Trusted National Bank' });
    expect((await wallet.cards.summary(done.card!.id)).issuerName).toBe('SETPay Cardholder CA');
    expect(JSON.stringify(await wallet.cards.list())).not.toContain('Trusted National Bank');
  });
});

// One builder for every signed message that is not sealed (src/protocol/messages/signed-message.ts):
// real keys and certificates from the sandbox hierarchy, verified as a receiver verifies them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  b64u,
  buildBatchAdminReq,
  buildNotifyRegReq,
  buildPCertReq,
  buildTransListReq,
  decodeWire,
  encodeWire,
  headerFor,
  type ParsedCertificate,
  randomNonce,
  receiveSigned,
  signedMessage,
} from '../../src/protocol/index.ts';
import { makeWorld } from '../support/world.ts';

const world = makeWorld();
const Content = v.looseObject({ type: v.string(), date: v.string(), rrpid: v.string() });

const carried = (chains: ParsedCertificate[][]) =>
  [...new Set(chains.flat().filter((c) => c.certificateType !== 'root'))].map((c) => b64u(c.der));

describe('signedMessage', () => {
  const content = {
    type: 'TransListReq',
    date: world.clock.now.toISOString(),
    rrpid: b64u(randomNonce()),
    lidM: 'order-1',
  };

  it('signs the content, derives the header from it and carries the signer’s chain without the root', async () => {
    const wire = await signedMessage('TransListReq', content, world.merchant);
    expect(wire.type).toBe('TransListReq');
    expect(wire.hdr).toEqual(headerFor(content));
    expect(wire.certs).toEqual(carried([world.merchant.chain]));
    const { content: got, path } = await receiveSigned(
      encodeWire(wire),
      'TransListReq',
      Content,
      { trust: world.trust(), clock: world.clock },
      { types: ['merchant'], keyRole: 'signature' },
    );
    expect(got).toEqual(content);
    expect(b64u(path.chain[0].thumbprint)).toBe(b64u(world.merchant.certificate.thumbprint));
  });

  it('carries other chains once, leaves out what the receiver holds, and takes a header given', async () => {
    const held = world.gatewayKx.chain.map((c) => b64u(c.thumbprint));
    const wire = await signedMessage('PCertRes', { ...content, type: 'PCertRes' }, world.gateway, {
      chains: [world.gatewayKx.chain, world.gateway.chain],
      peerThumbs: [held[0]!],
    });
    const expected = carried([world.gateway.chain, world.gatewayKx.chain]).filter(
      (der) => der !== b64u(world.gatewayKx.certificate.der),
    );
    expect(wire.certs).toEqual(expected);
    const hdr = { date: content.date, rrpid: content.rrpid, xid: 'X'.repeat(43) };
    expect((await signedMessage('Error', { ...content, type: 'Error' }, world.gateway, { hdr })).hdr).toEqual(
      hdr,
    );
  });

  it('a changed content or a certificate left out is refused by the receiver', async () => {
    const wire = await signedMessage('TransListReq', content, world.merchant);
    const receive = (w: unknown) =>
      receiveSigned(
        JSON.stringify(w),
        'TransListReq',
        Content,
        { trust: world.trust(), clock: world.clock },
        { types: ['merchant'], keyRole: 'signature' },
      ).then(
        () => 'accepted',
        (e: { code?: string }) => e.code,
      );
    const forged = { ...content, lidM: 'order-2' };
    const tampered = {
      ...wire,
      body: { ...wire.body, content: b64u(new TextEncoder().encode(JSON.stringify(forged))) },
    };
    expect(await receive(tampered)).toBe('signatureFailure');
    expect(await receive({ ...wire, certs: [] })).toBe('missingCertificate');
    expect(await receive(wire)).toBe('accepted');
  });

  it('the signed requests PCertReq, TransListReq, BatchAdminReq and NotifyRegReq are built by it', async () => {
    const now = world.clock.now;
    const merchant = world.merchant;
    const brandId = 'SETPay';
    const built = [
      await buildPCertReq({ merchant, brandId, now }),
      await buildTransListReq({ merchant, brandId, now }),
      await buildBatchAdminReq({ merchant, brandId, operation: 'open', now }),
      await buildNotifyRegReq({ merchant, brandId, url: 'https://shop.example/notify', now }),
    ];
    for (const { wire, content } of built) {
      const again = decodeWire(encodeWire(wire));
      expect(again.hdr, wire.type).toEqual(headerFor(content));
      expect(again.certs, wire.type).toEqual(carried([world.merchant.chain]));
      expect((again.body as { signer: string }).signer, wire.type).toBe(
        b64u(world.merchant.certificate.thumbprint),
      );
    }
  });
});

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('no other copy of "sign, then wrap"', () => {
  // signContent outside the builder only where the signed bytes are then sealed or are no message.
  const ALLOWED: Record<string, string> = {
    'src/protocol/messages/signed.ts': 'defines signContent',
    'src/protocol/messages/signed-message.ts': 'the builder',
    'src/protocol/messages/registration/cert-req.ts':
      'CertRes and CertInqRes seal the signed answer under CABackKey',
    'src/protocol/messages/payment/exchange.ts':
      'AuthReq and the other exchanges seal the signed content to the receiver',
    'src/protocol/messages/brand-crl-identifier.ts':
      'a BrandCRLIdentifier is a signed structure, not a message',
  };
  const ROOT = join(import.meta.dirname, '../..');

  it('src/ calls signContent only in the builder and where the signed bytes are sealed', () => {
    const callers = sources(join(ROOT, 'src'))
      .filter((f) => /\bsignContent\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f).replaceAll('\\', '/'))
      .filter((f) => !ALLOWED[f]);
    expect(callers).toEqual([]);
  });
});

// In-process end to end with real keys: purchase, capture and refund through src/protocol.
import { describe, expect, it } from 'vitest';
import {
  buildFollowUp,
  buildFollowUpResponse,
  openCapToken,
  verifyFollowUp,
  verifyFollowUpResponse,
} from '../../src/protocol/index.ts';
import {
  issueCardholder,
  makeWorld,
  purchase,
  registerCardholder,
  TestGateway,
  TestWallet,
} from '../support/world.ts';

describe('SET/2 purchase and payment, in process', () => {
  it('registers a card, purchases with a dual signature, then captures and refunds', async () => {
    const world = makeWorld();
    const cardholder = await registerCardholder(world);
    // The certificate names the cardholder by the unique ID, never by the card number.
    expect(cardholder.certificate.subject.commonName).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(cardholder.certificate.der).toString('latin1')).not.toContain(cardholder.card.pan);
    const run = await purchase(world, new TestWallet(world, cardholder));

    expect(run.receipt.content.result.status).toBe('approved');
    expect(run.receipt.content.result.authCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(run.receipt.content.result.amount).toEqual({ currency: 'EUR', value: 1299, exponent: 2 });
    expect(run.receipt.merchant.chain[0]!.merchantData?.name).toBe('SET Demo Store');
    // The merchant saw the order but never the card number.
    expect(run.preqWire).not.toContain(cardholder.card.pan);
    expect(run.authReq).not.toContain(cardholder.card.pan);

    const ctx = { trust: world.trust(), clock: world.clock };
    const transIds = run.authReqContent.transIds;
    const capToken = run.authRes.capToken!;

    // Capture: the merchant returns the CapToken; only the gateway can open it.
    const cap = await buildFollowUp('CapReq', {
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds,
      amount: run.authRes.result.amount,
      capToken,
    });
    const capReq = await verifyFollowUp(JSON.stringify(cap.wire), 'CapReq', world.gatewayKx, ctx);
    const token = await openCapToken(capReq.content.capToken!, world.gatewayKx);
    expect(token.xid).toBe(transIds.xid);
    expect(token.authAmt).toEqual(capReq.content.amount);
    const capRes = await buildFollowUpResponse('CapReq', {
      req: capReq.content,
      gateway: world.gateway,
      merchantKeyExchange: world.merchantKx.certificate,
      status: 'captured',
      amount: capReq.content.amount,
    });
    const captured = await verifyFollowUpResponse(
      JSON.stringify(capRes.wire),
      'CapReq',
      cap.content,
      world.merchantKx,
      ctx,
    );
    expect(captured.content.status).toBe('captured');

    // Refund part of it.
    const refundAmt = { currency: 'EUR', value: 500, exponent: 2 };
    const cred = await buildFollowUp('CredReq', {
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds,
      amount: refundAmt,
    });
    const credReq = await verifyFollowUp(JSON.stringify(cred.wire), 'CredReq', world.gatewayKx, ctx);
    const credRes = await buildFollowUpResponse('CredReq', {
      req: credReq.content,
      gateway: world.gateway,
      merchantKeyExchange: world.merchantKx.certificate,
      status: 'credited',
      amount: refundAmt,
    });
    const credited = await verifyFollowUpResponse(
      JSON.stringify(credRes.wire),
      'CredReq',
      cred.content,
      world.merchantKx,
      ctx,
    );
    expect(credited.content).toMatchObject({ status: 'credited', amount: refundAmt });
  });

  it('retries of the same AuthReq get the same answer and are authorized once', async () => {
    const world = makeWorld();
    const run = await purchase(world, new TestWallet(world, issueCardholder(world)));
    expect(await run.gateway.authorize(run.authReq)).toBe(run.authResWire);
    expect(run.gateway.authorized.size).toBe(1);
  });

  it('reports a decline as a business result in PRes', async () => {
    const world = makeWorld();
    const cardholder = issueCardholder(world, '4000000000000002');
    const gateway = new TestGateway(world, new Set(['4000000000000002']));
    const run = await purchase(world, new TestWallet(world, cardholder), undefined, gateway);
    expect(run.receipt.content.result).toMatchObject({ status: 'declined', reason: 'doNotHonour' });
    expect(run.receipt.content.completionCode).toBe('orderRejected');
  });
});

/**
 * SET endpoints that a wallet's background calls itself, from the extension's own origin, with no
 * page open: the merchant's for an InqReq (receipts stay true when the shopper opens one) and the
 * cardholder CA's (card renewal, and "check again" for a registration the CA left pending). Such a
 * POST is cross-origin, so the endpoint lets browser extensions (and no web page) read the answer;
 * each endpoint decides which answers (the merchant: an InqReq's alone). Nothing here is ambient
 * authority: every such message authenticates itself (an inquiry about a signed purchase is signed
 * by the card that paid, a renewal co-signed by the certificate it renews) and the endpoints set
 * no cookies. One copy for the CA site and the merchant SDK, which is a package of its own and
 * may import src/protocol.
 */

/** The origins of a browser extension: Chromium, Firefox and Safari. */
const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension|safari-web-extension):\/\/[a-z0-9-]{1,64}$/i;

/** The request's Origin if it is a browser extension's, else undefined. */
export function extensionOrigin(request: Request): string | undefined {
  const origin = request.headers.get('origin');
  return origin !== null && EXTENSION_ORIGIN.test(origin) ? origin : undefined;
}

/** The CORS preflight a wallet's background makes before POSTing a SET message; else undefined. */
export function walletPreflight(request: Request): Response | undefined {
  const origin = extensionOrigin(request);
  if (request.method !== 'OPTIONS' || origin === undefined) return undefined;
  const headers: Record<string, string> = {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': 'content-type',
    'access-control-max-age': '600',
    vary: 'origin',
  };
  // Chromium's Private Network Access: a sandbox on 127.0.0.1 answers the wallet too.
  if (request.headers.get('access-control-request-private-network') === 'true') {
    headers['access-control-allow-private-network'] = 'true';
  }
  return new Response(null, { status: 204, headers });
}

/** Lets the extension that sent the request read the answer (the SET reply or Error). */
export function readableByWallet(response: Response, request: Request): Response {
  const origin = extensionOrigin(request);
  if (origin === undefined) return response;
  const headers = new Headers(response.headers);
  headers.set('access-control-allow-origin', origin);
  headers.append('vary', 'origin');
  return new Response(response.body, { status: response.status, headers });
}

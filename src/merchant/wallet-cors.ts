/**
 * Receipts in the wallet stay true by asking the merchant (InqReq → InqRes) when the shopper opens
 * one. The wallet's background sends that InqReq itself, to the SET endpoint the checkout page
 * declared, from the extension's own origin: a cross-origin request, so the endpoint lets
 * browser extensions (and nothing else) read the answer to an inquiry. Only an InqReq's answer
 * is readable this way; PInitReq and PReq still travel through the checkout page, same-origin.
 * Nothing here is ambient authority: a SET message authenticates itself (an inquiry about a
 * signed purchase must be signed by the card that paid), and the endpoint sets no cookies.
 */

/** The origins of a browser extension: Chromium, Firefox and Safari. */
const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension|safari-web-extension):\/\/[a-z0-9-]{1,64}$/i;

/** The request's Origin if it is a browser extension's, else undefined. */
export function extensionOrigin(request: Request): string | undefined {
  const origin = request.headers.get('origin');
  return origin !== null && EXTENSION_ORIGIN.test(origin) ? origin : undefined;
}

/** The CORS preflight a wallet's background makes before POSTing an InqReq. */
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
  // Chromium's Private Network Access: a sandbox store on 127.0.0.1 answers the wallet too.
  if (request.headers.get('access-control-request-private-network') === 'true') {
    headers['access-control-allow-private-network'] = 'true';
  }
  return new Response(null, { status: 204, headers });
}

/** Lets the extension that sent an InqReq read the answer (InqRes or Error). */
export function readableByWallet(response: Response, request: Request): Response {
  const origin = extensionOrigin(request);
  if (origin === undefined) return response;
  const headers = new Headers(response.headers);
  headers.set('access-control-allow-origin', origin);
  headers.append('vary', 'origin');
  return new Response(response.body, { status: response.status, headers });
}

/**
 * `setwallet inspect FILE|- [--roots root.pem] [--extract DIR]`: decodes a SET/2 message or PEM
 * certificates, prints their fields, and verifies what it can. Without --roots it checks
 * signatures against the certificates the message carries; with --roots it also validates every
 * chain. Dates are judged at the time the message says it was sent, so a saved transcript stays
 * inspectable. --extract writes what a signature covers, the signature and the signer's chain as
 * files `openssl dgst` and `openssl verify` take, so a run can be checked without this tool.
 * Exit 0 when valid, 1 with the SET ErrorCode when not, 2 for usage errors.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import {
  type CertificateType,
  certificateToPem,
  decodeWire,
  fromB64u,
  hex,
  type KeyRole,
  type ParsedCertificate,
  PI,
  PReqBody,
  parseCertificate,
  parseContent,
  parseWith,
  pemToDers,
  piTbs,
  SetError,
  SignedBody,
  sha256,
  signatureToDer,
  signedDataTbs,
  TrustStore,
  validatePath,
  verifyDualSignature,
  verifyNative,
  type Wire,
} from '../protocol/index.ts';
import type { Invocation } from './commands.ts';

const MAX_INPUT_BYTES = 1024 * 1024;

/** Who signs each signed message type (SET-PROFILE §4). */
const SIGNERS: Partial<Record<Wire['type'], CertificateType[]>> = {
  PInitRes: ['merchant'],
  PRes: ['merchant'],
  InqRes: ['merchant'],
  InqReq: ['cardholder'],
  CardCInitRes: ['cardholder-ca'],
  RegFormRes: ['cardholder-ca'],
  'Me-AqCInitRes': ['merchant-ca', 'gateway-ca'],
  Error: ['merchant', 'gateway', 'cardholder-ca', 'merchant-ca', 'gateway-ca', 'cardholder'],
};

const AnyContent = v.looseObject({ type: v.string() });

/** What --extract writes: the signed bytes, the signature in DER, the signer's certificate and chain. */
export const EXTRACTED = {
  signed: 'signed.bin',
  signature: 'signature.der',
  signer: 'signer.pem',
  chain: 'chain.pem',
} as const;

/** A signature found in a message, for --extract. */
interface FoundSignature {
  /** The exact bytes the ECDSA signature covers (SHA-256 is taken over them). */
  signed: Uint8Array;
  /** r‖s, 64 bytes. */
  sig: Uint8Array;
  signer: ParsedCertificate;
  carried: ParsedCertificate[];
}

export async function runInspect({ values, positionals: [file] }: Invocation): Promise<number> {
  const rootsFile = values.roots as string | undefined;
  const extractDir = values.extract as string | undefined;
  const out: string[] = [];
  const found: { signature?: FoundSignature } = {};
  try {
    const input = file === '-' ? readFileSync(0) : readFileSync(file!);
    if (input.length > MAX_INPUT_BYTES)
      throw new SetError('messageTooBig', `the input is over ${MAX_INPUT_BYTES} bytes`);
    const text = input.toString('utf8');
    const roots = rootsFile ? pemToDers(readFileSync(rootsFile, 'utf8')).map(parseCertificate) : undefined;
    if (text.includes('-----BEGIN')) await inspectCertificates(text, roots, out);
    else await inspectMessage(input, roots, out, found);
    if (extractDir !== undefined) extract(extractDir, found.signature, out);
    out.push('valid');
    console.log(out.join('\n'));
    return 0;
  } catch (e) {
    if (out.length) console.log(out.join('\n'));
    if (e instanceof SetError) {
      console.error(`invalid: ${e.code}: ${e.message}`);
      return 1;
    }
    if (e instanceof Error && 'code' in e && (e as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`setwallet inspect: no such file: ${(e as NodeJS.ErrnoException).path}`);
      return 2;
    }
    throw e;
  }
}

export function describeCertificate(c: ParsedCertificate): string[] {
  const lines = [
    `subject: ${c.subjectDn}`,
    `issuer: ${c.issuerDn}`,
    `serial: ${c.serialNumber}`,
    `valid: ${c.notBefore.toISOString()} to ${c.notAfter.toISOString()}`,
    `certificate type: ${c.certificateType}${c.isCA ? ' (CA)' : ''}, key: ${c.keyRole}`,
  ];
  if (c.merchantData) {
    const m = c.merchantData;
    lines.push(`merchant: ${m.name} (${m.merchantId}), ${m.city}, ${m.country}, category ${m.categoryCode}`);
  }
  if (c.origins.length) lines.push(`origins: ${c.origins.join(', ')}`);
  if (c.uniqueCardholderId) lines.push(`unique cardholder ID: ${hex(c.uniqueCardholderId)}`);
  if (c.cardCertRequired !== undefined) lines.push(`cardholder certificate required: ${c.cardCertRequired}`);
  lines.push(`thumbprint: ${hex(c.thumbprint)}`);
  return lines;
}

async function inspectCertificates(
  text: string,
  roots: ParsedCertificate[] | undefined,
  out: string[],
): Promise<void> {
  const certs = pemToDers(text).map(parseCertificate);
  certs.forEach((c, i) => {
    if (i > 0) out.push('');
    out.push(...describeCertificate(c));
  });
  const leaf = certs[0]!;
  if (!roots) {
    out.push('chain: not checked (give --roots root.pem)');
    return;
  }
  if (leaf.certificateType === 'root') {
    const trusted = roots.some((r) => hex(r.thumbprint) === hex(leaf.thumbprint));
    if (!trusted) throw new SetError('invalidCertificate', 'this root is not one of the --roots');
    if (!(await verifyNative(leaf.signature, leaf.tbs, leaf.publicKey))) {
      throw new SetError('invalidCertificate', 'the root’s self-signature does not verify');
    }
    out.push(`chain: ${leaf.subject.commonName} (trusted root)`);
    return;
  }
  const path = await validatePath({
    leaf,
    pool: certs.slice(1),
    trustedRoots: roots,
    at: new Date(),
    expect: { types: [leaf.certificateType], keyRole: leaf.keyRole },
  });
  out.push(
    `chain: ${path.chain.map((c) => c.subject.commonName).join(' › ')} (trusted root, brand ${path.brandId})`,
  );
}

async function inspectMessage(
  input: Uint8Array,
  roots: ParsedCertificate[] | undefined,
  out: string[],
  found: { signature?: FoundSignature },
): Promise<void> {
  const wire = decodeWire(input);
  out.push(`message: ${wire.type} (${wire.set})`, `header: ${JSON.stringify(wire.hdr)}`);
  const carried = (wire.certs ?? []).map((c) => parseCertificate(fromB64u(c, 'certificate')));
  for (const c of carried)
    out.push(
      `carries certificate: ${c.subject.commonName} (${c.certificateType}, ${c.keyRole}) ${hex(c.thumbprint)}`,
    );
  const trust = roots ? new TrustStore(roots) : undefined;
  trust?.addEncoded(wire.certs);
  if (trust) await trust.offerEncodedCrls(wire.crls, { now: new Date(wire.hdr.date) });
  const at = new Date(wire.hdr.date);
  const body = wire.body;

  if ('pi' in body) {
    found.signature = await inspectPReq(wire, carried, trust, at, out);
  } else if ('sig' in body && !('signer' in body)) {
    // Signed with the key a registration certifies (CertInqReq): checkable with the CertReq only.
    const content = parseContent(fromB64u(String(body.content), 'content'), AnyContent, wire.type);
    out.push(
      `content: ${JSON.stringify(content, null, 2)}`,
      'signature: by the key its CertReq asked to certify (the CA checks it with that CertReq)',
    );
  } else if ('sig' in body) {
    const signed = parseWith(SignedBody, body, `${wire.type}.body`);
    const content = parseContent(fromB64u(signed.content, 'content'), AnyContent, wire.type);
    out.push(`content: ${JSON.stringify(content, null, 2)}`);
    const signer = signerCert(signed.signer, carried, trust);
    if (
      !(await verifyNative(
        fromB64u(signed.sig, 'sig'),
        signedDataTbs(fromB64u(signed.content, 'content')),
        signer.publicKey,
      ))
    ) {
      throw new SetError(
        'signatureFailure',
        `the signature does not verify with "${signer.subject.commonName}"`,
      );
    }
    out.push(`signature: valid, by ${signer.subject.commonName} (${signer.certificateType})`);
    found.signature = {
      signed: signedDataTbs(fromB64u(signed.content, 'content')),
      sig: fromB64u(signed.sig, 'sig'),
      signer,
      carried,
    };
    await checkChain(signer, SIGNERS[wire.type] ?? [signer.certificateType], 'signature', trust, at, out);
  } else if ('content' in body) {
    const content = parseContent(fromB64u(String(body.content), 'content'), AnyContent, wire.type);
    out.push(`content (unsigned): ${JSON.stringify(content, null, 2)}`);
  } else if ('sealed' in body) {
    const sealed = body.sealed as { to?: string; ct?: string };
    out.push(
      `sealed: to key-exchange certificate ${hex(fromB64u(String(sealed.to), 'to'))}, ${fromB64u(String(sealed.ct), 'ct').length} bytes of ciphertext`,
      'content: not readable without the recipient’s private key',
    );
    if ('baggage' in body)
      out.push(`baggage (the cardholder's PI): ${fromB64u(String(body.baggage), 'baggage').length} bytes`);
  } else if ('iv' in body) {
    out.push(`content: encrypted under the requester’s reply key (${wire.type})`);
  } else {
    throw new SetError('decodingFailure', `${wire.type} has a body of no known form`);
  }
}

async function inspectPReq(
  wire: Wire,
  carried: ParsedCertificate[],
  trust: TrustStore | undefined,
  at: Date,
  out: string[],
): Promise<FoundSignature | undefined> {
  const body = parseWith(PReqBody, wire.body, 'PReq.body');
  const oiBytes = fromB64u(body.oi.oiData, 'oiData');
  const oi = parseContent(oiBytes, AnyContent, 'OIData');
  const pi = parseContent(fromB64u(body.pi, 'pi'), PI, 'PI');
  out.push(
    `OIData: ${JSON.stringify(oi, null, 2)}`,
    `PI: ${pi.type}, sealed to gateway key ${hex(fromB64u(pi.sealed.to))}`,
  );
  if (pi.type !== 'PIDualSigned') {
    out.push('dual signature: none (unsigned purchase)');
    return undefined;
  }
  if (!body.oi.hPIData) throw new SetError('signatureRequired', 'a dual-signed PReq carries H(PIData)');
  const signer = signerCert(pi.signer, carried, trust);
  await verifyDualSignature(
    fromB64u(pi.ds),
    fromB64u(body.oi.hPIData),
    sha256(oiBytes),
    signer.publicKey,
    'OIData',
  );
  out.push(`dual signature: valid, by cardholder ${signer.subject.commonName.slice(0, 16)}…`);
  await checkChain(signer, ['cardholder'], 'signature', trust, at, out);
  return {
    signed: piTbs(fromB64u(body.oi.hPIData), sha256(oiBytes)),
    sig: fromB64u(pi.ds),
    signer,
    carried,
  };
}

/**
 * Writes the checked signature as openssl takes it: the signed bytes, the DER signature, the
 * signer's certificate, and the signer's chain (the signer, then the other certificates carried).
 */
function extract(dir: string, signature: FoundSignature | undefined, out: string[]): void {
  if (!signature) {
    throw new SetError('signatureRequired', 'there is no signature in this input to extract');
  }
  mkdirSync(dir, { recursive: true });
  const others = signature.carried.filter((c) => hex(c.thumbprint) !== hex(signature.signer.thumbprint));
  const files: [string, Uint8Array | string][] = [
    [EXTRACTED.signed, signature.signed],
    [EXTRACTED.signature, signatureToDer(signature.sig)],
    [EXTRACTED.signer, certificateToPem(signature.signer.der)],
    [EXTRACTED.chain, [signature.signer, ...others].map((c) => certificateToPem(c.der)).join('')],
  ];
  for (const [name, data] of files) writeFileSync(join(dir, name), data);
  const at = (name: string) => join(dir, name);
  out.push(
    `extracted to ${dir}: ${Object.values(EXTRACTED).join(', ')}; check with`,
    `  openssl x509 -in ${at(EXTRACTED.signer)} -pubkey -noout > ${at('signer.pub')}`,
    `  openssl dgst -sha256 -verify ${at('signer.pub')} -signature ${at(EXTRACTED.signature)} ${at(EXTRACTED.signed)}`,
  );
}

function signerCert(
  thumb: string,
  carried: ParsedCertificate[],
  trust: TrustStore | undefined,
): ParsedCertificate {
  const t = fromB64u(thumb, 'signer');
  const found = carried.find((c) => hex(c.thumbprint) === hex(t)) ?? trust?.get(t);
  if (!found)
    throw new SetError(
      'missingCertificate',
      `the signer's certificate ${hex(t).slice(0, 16)}… is not carried`,
    );
  return found;
}

async function checkChain(
  leaf: ParsedCertificate,
  types: CertificateType[],
  keyRole: KeyRole,
  trust: TrustStore | undefined,
  at: Date,
  out: string[],
): Promise<void> {
  if (!trust) {
    out.push('chain: not checked (give --roots root.pem)');
    return;
  }
  const path = await trust.verify(leaf.thumbprint, { types, keyRole }, { now: at });
  out.push(
    `chain: ${path.chain.map((c) => c.subject.commonName).join(' › ')} (trusted root, brand ${path.brandId})`,
  );
}

/**
 * HTML form posts, read once and safely: a size limit enforced while reading, the two encodings a
 * browser sends (application/x-www-form-urlencoded and multipart/form-data, WHATWG HTML §4.10.21.7),
 * and limits on fields. Whatever arrives, the answer is fields or a refusal with a status and a
 * sentence a person can act on, never an exception. Parse the fields with a schema afterwards.
 */
import { readLimitedBody } from '../protocol/body.ts';

export interface FormLimits {
  /** The whole body (default 4 KiB). */
  maxBytes?: number;
  /** How many fields (default 16). */
  maxFields?: number;
  /** The longest value, in characters (default 1,024). */
  maxFieldLength?: number;
}

/** Why a body is not a form, for a site to say in its reader's language (src/web/i18n.ts). */
export type FormProblem =
  | 'cutShort'
  | 'tooLarge'
  | 'notUtf8'
  | 'noBoundary'
  | 'malformedMultipart'
  | 'wrongType'
  | 'tooManyFields'
  | 'file'
  | 'fieldTooLong'
  | 'fieldTwice';

export type FormRead =
  | { ok: true; fields: Record<string, string> }
  | {
      ok: false;
      status: 400 | 413;
      /** The sentence in English (logs, APIs). */
      problem: string;
      reason: FormProblem;
      /** The limit passed (bytes, fields, characters) or the field named twice. */
      detail?: string;
    };

const URLENCODED = 'application/x-www-form-urlencoded';
const MULTIPART = 'multipart/form-data';
/** RFC 2046 §5.1.1: 1 to 70 characters from a fixed set, quoted or not. */
const BOUNDARY =
  /(?:^|;)\s*boundary=(?:"([0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?])"|([0-9A-Za-z'()+_,\-./:=?]{1,70}))\s*(?:;|$)/i;

const refuse = (
  status: 400 | 413,
  problem: string,
  reason: FormProblem,
  detail?: string | number,
): FormRead => ({
  ok: false,
  status,
  problem,
  reason,
  ...(detail === undefined ? {} : { detail: String(detail) }),
});

export async function readForm(req: Request, limits: FormLimits = {}): Promise<FormRead> {
  const maxBytes = limits.maxBytes ?? 4096;
  const maxFields = limits.maxFields ?? 16;
  const maxFieldLength = limits.maxFieldLength ?? 1024;
  const contentType = req.headers.get('content-type') ?? '';
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();

  let body: Awaited<ReturnType<typeof readLimitedBody>>;
  try {
    body = await readLimitedBody(req, maxBytes);
  } catch {
    return refuse(400, 'The form did not arrive whole. Please send it again.', 'cutShort');
  }
  if (!body.ok)
    return refuse(
      413,
      `That form is larger than ${maxBytes.toLocaleString('en')} bytes.`,
      'tooLarge',
      maxBytes,
    );

  let entries: [string, unknown][];
  if (mediaType === '' && body.bytes.length === 0) {
    entries = [];
  } else if (mediaType === URLENCODED) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body.bytes);
    } catch {
      return refuse(400, 'The form is not valid UTF-8 text.', 'notUtf8');
    }
    entries = [...new URLSearchParams(text)];
  } else if (mediaType === MULTIPART) {
    const boundary = BOUNDARY.exec(contentType.slice(mediaType.length));
    if (!boundary)
      return refuse(400, 'The multipart form has no valid boundary in its Content-Type.', 'noBoundary');
    try {
      const data = await new Response(body.bytes as Uint8Array<ArrayBuffer>, {
        headers: { 'content-type': contentType },
      }).formData();
      entries = [...data];
    } catch {
      return refuse(
        400,
        'The multipart form is malformed or cut short. Please send it again.',
        'malformedMultipart',
      );
    }
  } else {
    return refuse(400, `Forms are accepted as ${URLENCODED} or ${MULTIPART} only.`, 'wrongType');
  }

  if (entries.length > maxFields)
    return refuse(400, `The form has more than ${maxFields} fields.`, 'tooManyFields', maxFields);
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of entries) {
    if (typeof value !== 'string') return refuse(400, 'This form takes no files.', 'file');
    if (value.length > maxFieldLength || name.length > 64) {
      return refuse(
        400,
        `A field of the form is longer than ${maxFieldLength.toLocaleString('en')} characters.`,
        'fieldTooLong',
        maxFieldLength,
      );
    }
    if (Object.hasOwn(fields, name))
      return refuse(400, `The form has the field "${name}" twice.`, 'fieldTwice', name.slice(0, 64));
    fields[name] = value;
  }
  return { ok: true, fields };
}

/**
 * Whether a state-changing request comes from this origin's own pages: an Origin header, when the
 * browser sends one, must be `ownOrigin` exactly (so `null` and the sandbox's other ports are
 * refused), and Fetch Metadata must not say another site or origin sent it.
 */
export function fromOwnPages(headers: Headers, ownOrigin: string): boolean {
  const origin = headers.get('origin');
  if (origin !== null && origin !== ownOrigin) return false;
  const site = headers.get('sec-fetch-site');
  return site === null || site === 'same-origin' || site === 'none';
}

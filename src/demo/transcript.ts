/**
 * The SET/2 messages of a demo run, as the sandbox's servers saw them pass (startSandbox's
 * `observe`): each one printed as it happens, with its time, who sent it to whom and its size,
 * and, with a folder, saved as it went over the wire, one file each, named in order
 * (`03-PReq.json`), for `setwallet inspect`.
 *
 * A message that passes twice with the same bytes is marked as a repeat, with the reason: the
 * wallet re-sends the very same PReq when it lost the answer (its page transport or service
 * worker went away and came back), and a SET endpoint answers a repeated request with the answer
 * it made the first time, doing nothing twice (so no second AuthReq passes).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromB64u } from '../protocol/index.ts';
import type { SetObservation } from '../sandbox/sandbox.ts';

export interface TranscriptEntry {
  /** 1, 2, … in the order the messages passed. */
  n: number;
  /** Seconds since the demo started. */
  at: number;
  type: string;
  from: string;
  to: string;
  /** The wire JSON, exactly as sent. */
  body: string;
  /** The file it was saved to, when saved. */
  file?: string;
  /** The earlier entry with the very same bytes, when this one is a repeat. */
  repeatOf?: number;
}

/** A transcript file's name: its number and type, e.g. `03-PReq.json`. */
export const TRANSCRIPT_FILE = /^\d{2,}-[A-Za-z-]+\.json$/;

/** The content of a message with a plain or signed body (not sealed), or undefined. */
export function readableContent(body: string): Record<string, unknown> | undefined {
  try {
    const wire = JSON.parse(body) as { body?: { content?: unknown } };
    const content = wire.body?.content;
    if (typeof content !== 'string') return undefined;
    const json = JSON.parse(new TextDecoder().decode(fromB64u(content))) as unknown;
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** "errorCode: errorMsg" of an Error message, as far as it can be read. */
export function describeSetError(body: string): string {
  const c = readableContent(body);
  if (!c) return 'an Error message whose content could not be read';
  return `${String(c.errorCode)}: ${String(c.errorMsg)}`;
}

export class Transcript {
  readonly entries: TranscriptEntry[] = [];
  /** Who the issuer site is talking to: the wallet, or (at the sandbox's start) an enrolling party. */
  issuerPeer = 'wallet';
  private readonly started: number;
  /** The first entry of each body seen, by direction and bytes. */
  private readonly firstSeen = new Map<string, number>();

  constructor(
    private readonly print: (line: string) => void,
    private readonly dir?: string,
    started = performance.now(),
  ) {
    this.started = started;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      // A folder used before keeps only this run's transcript.
      for (const name of readdirSync(dir)) if (TRANSCRIPT_FILE.test(name)) rmSync(join(dir, name));
    }
  }

  /** startSandbox's `observe`. */
  readonly observe = (e: SetObservation): void => {
    const n = this.entries.length + 1;
    const at = (performance.now() - this.started) / 1000;
    if (e.type === 'Me-AqCInitReq' && e.direction === 'request') {
      const requestType = readableContent(e.body)?.requestType;
      if (typeof requestType === 'string') this.issuerPeer = requestType;
    }
    const peer = { issuer: this.issuerPeer, gateway: 'store', store: 'wallet' }[e.party];
    const party = e.party === 'issuer' ? caOf(this.issuerPeer) : e.party;
    const [from, to] = e.direction === 'request' ? [peer, party] : [party, peer];
    const entry: TranscriptEntry = { n, at, type: e.type, from, to, body: e.body };
    const key = `${e.party} ${e.direction} ${e.body}`;
    const repeatOf = this.firstSeen.get(key);
    if (repeatOf === undefined) this.firstSeen.set(key, n);
    else entry.repeatOf = repeatOf;
    if (this.dir) {
      entry.file = join(this.dir, `${String(n).padStart(2, '0')}-${e.type}.json`);
      writeFileSync(entry.file, e.body);
    }
    this.entries.push(entry);
    const size = `${Buffer.byteLength(e.body).toLocaleString('en')} bytes`;
    const line = `${stamp(at)}   ${e.type.padEnd(14)} ${`${from} → ${to}`.padEnd(20)} ${size}`;
    if (e.type === 'Error') this.print(`${line}   ${describeSetError(e.body)}`);
    else if (repeatOf === undefined) this.print(line);
    else this.print(`${line}   ${repeatNote(e.direction, repeatOf)}`);
  };

  /** The last message of `type`, if any passed. */
  last(type: string): TranscriptEntry | undefined {
    return [...this.entries].reverse().find((e) => e.type === type);
  }

  /** The Error messages exchanged since entry `since` (an index), described. */
  errorsSince(since: number): string[] {
    return this.entries
      .slice(since)
      .filter((e) => e.type === 'Error')
      .map((e) => {
        const answered = this.entries[e.n - 2];
        const to = answered && answered.to === e.from ? `, answering ${answered.type}` : '';
        return `${describeSetError(e.body)} (an Error from the ${e.from} to the ${e.to}${to})`;
      });
  }
}

/** Why a message passes a second time with the same bytes. */
function repeatNote(direction: SetObservation['direction'], first: number): string {
  return direction === 'request'
    ? `again, the same bytes as #${first}: the sender lost the answer and re-sent it`
    : `the answer #${first} again: a repeated request gets its first answer, nothing is done twice`;
}

/** The certificate authority an enrolling party talks to. */
function caOf(peer: string): string {
  return peer === 'merchant' ? 'MCA' : peer === 'gateway' ? 'PCA' : 'CCA';
}

/** Seconds since the start, as the demo prints them: `[  12.34s]`. */
export function stamp(seconds: number): string {
  return `[${seconds.toFixed(2).padStart(6)}s]`;
}

/**
 * The SET/2 messages of a demo run, as the sandbox's servers saw them pass (startSandbox's
 * `observe`): each one printed as it happens, with its time, who sent it to whom and its size,
 * and, with a folder, saved as it went over the wire, one file each, named in order
 * (`03-PReq.json`), for `setwallet inspect`.
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
    if (this.dir) {
      entry.file = join(this.dir, `${String(n).padStart(2, '0')}-${e.type}.json`);
      writeFileSync(entry.file, e.body);
    }
    this.entries.push(entry);
    const size = `${Buffer.byteLength(e.body).toLocaleString('en')} bytes`;
    const line = `${stamp(at)}   ${e.type.padEnd(14)} ${`${from} → ${to}`.padEnd(20)} ${size}`;
    this.print(e.type === 'Error' ? `${line}   ${describeSetError(e.body)}` : line);
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

/** The certificate authority an enrolling party talks to. */
function caOf(peer: string): string {
  return peer === 'merchant' ? 'MCA' : peer === 'gateway' ? 'PCA' : 'CCA';
}

/** Seconds since the start, as the demo prints them: `[  12.34s]`. */
export function stamp(seconds: number): string {
  return `[${seconds.toFixed(2).padStart(6)}s]`;
}

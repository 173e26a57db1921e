#!/usr/bin/env node
/**
 * `setwallet`: the command line. src/cli/commands.ts lists every command once (usage, help,
 * options); each runs from its own module under src/cli/, loaded only when it runs. The CLI may
 * import every src/ folder: it wires the parties together, as the sandbox does.
 */
import { SetError } from '../protocol/errors.ts';
import { runCommandLine } from './commands.ts';

runCommandLine(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof SetError) {
      // A SetWalletError (an Error message from the sandbox) also carries the peer's own words.
      const detail = (e as { detail?: unknown }).detail;
      console.error(`setwallet: ${e.code}: ${e.message}${typeof detail === 'string' ? ` (${detail})` : ''}`);
    } else console.error(`setwallet: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);

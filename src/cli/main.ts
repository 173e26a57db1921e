#!/usr/bin/env node
/** `setwallet`: the command line. Each subcommand lives in its own module under src/cli/. */
import { SetError } from '../protocol/errors.ts';

const USAGE = `usage:
  setwallet start [--data DIR] [--headless]            build the wallet, start the sandbox, open Chromium
  setwallet demo [--browser chromium|firefox] [--transcript DIR] [--screenshots DIR]
                                                       SET end to end in a headless browser, scripted
  setwallet sandbox [--port BASE] [--data DIR]         run the issuer site, payment gateway and demo store
  setwallet sandbox revoke SERIAL                      revoke a certificate in the running sandbox
  setwallet pki init DIR [--merchant-origin ORIGIN]   create a sandbox certificate hierarchy
  setwallet pki export DIR [--data DIR]                write the sandbox's certificates, as pki init does
  setwallet inspect FILE|- [--roots root.pem]          decode and verify a SET/2 message or certificate`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'pki': {
      const { runPki } = await import('./pki.ts');
      return runPki(rest);
    }
    case 'sandbox': {
      const { runSandbox } = await import('./sandbox.ts');
      return runSandbox(rest);
    }
    case 'start': {
      const { runStart } = await import('./start.ts');
      return runStart(rest);
    }
    case 'demo': {
      const { runDemoCommand } = await import('./demo.ts');
      return runDemoCommand(rest);
    }
    case 'inspect': {
      const { runInspect } = await import('./inspect.ts');
      return runInspect(rest);
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`setwallet: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof SetError) console.error(`setwallet: ${e.code}: ${e.message}`);
    else console.error(`setwallet: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);

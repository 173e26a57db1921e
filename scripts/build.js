#!/usr/bin/env node
/**
 * `npm run build` (and `npm run zip` with --zip): the wallet for Chrome and Firefox, MV3.
 * WXT draws its progress spinner whatever its output is. When that output is not a terminal (a CI
 * log, a pipe, `npm start`'s build step), the spinner's frames and cursor codes are dropped, so the
 * log keeps one line per step instead of a flood of escape codes.
 */
import { spawn } from 'node:child_process';

const command = process.argv.includes('--zip') ? 'zip' : 'build';
const terminal = process.stdout.isTTY === true;

const ESC = '\u001B';
const CURSOR = new RegExp(`${ESC}\\[\\?25[lh]`, 'g'); // hide and show the cursor
const ERASE = `${ESC}[K`; // erase to the end of the line: every spinner redraw ends with it

/** A line as a log shows it: the spinner's redraws (each ends by erasing the line) left out. */
function plain(line) {
  const kept = line
    .replace(CURSOR, '')
    .split('\r')
    .filter((segment) => !segment.endsWith(ERASE))
    .map((segment) => (segment.startsWith(ERASE) ? segment.slice(ERASE.length) : segment));
  return kept.join('');
}

function run(browser) {
  return new Promise((done) => {
    const child = spawn('npx', ['wxt', command, '-b', browser, '--mv3'], {
      stdio: ['ignore', terminal ? 'inherit' : 'pipe', 'inherit'],
    });
    if (!terminal) {
      let pending = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const text = plain(line);
          if (text !== '' || line === '') process.stdout.write(`${text}\n`);
        }
      });
      child.stdout.on('end', () => {
        const text = plain(pending);
        if (text !== '') process.stdout.write(`${text}\n`);
      });
    }
    child.on('close', (code) => done(code ?? 1));
  });
}

for (const browser of ['chrome', 'firefox']) {
  const code = await run(browser);
  if (code !== 0) process.exit(code);
}

// Mozilla's addons-linter, a tool we did not write, on the production Firefox build: no errors.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

describe('the Firefox build under addons-linter', () => {
  it('has no errors, and no warnings but Preact’s own innerHTML', async () => {
    const { stdout } = await promisify(execFile)(
      'node',
      [
        join(root, 'node_modules/addons-linter/bin/addons-linter'),
        join(root, '.output/firefox-mv3'),
        '--output',
        'json',
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    const report = JSON.parse(stdout) as {
      summary: { errors: number };
      errors: { code: string; message: string }[];
      warnings: { code: string; file?: string }[];
    };
    expect(report.errors).toEqual([]);
    expect(report.summary.errors).toBe(0);
    expect(report.warnings.filter((w) => w.code !== 'UNSAFE_VAR_ASSIGNMENT')).toEqual([]);
  });
});

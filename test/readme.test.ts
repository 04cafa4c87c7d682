/** The README's TypeScript snippets run as written (with 'rnnkit' resolved to this checkout's sources, Node's entry point). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const work = mkdtempSync(join(tmpdir(), 'rnnkit-readme-'));

test('the README has TypeScript snippets', () => assert.ok(snippets.length >= 2));

snippets.forEach((code, i) => {
  test(`README snippet ${i + 1} runs`, () => {
    const file = join(root, 'test', `.readme-snippet-${i + 1}.mts`);
    writeFileSync(file, code
      .replaceAll("from 'rnnkit/node'", `from '${join(root, 'src/node/index.ts')}'`)
      .replaceAll("from 'rnnkit'", `from '${join(root, 'src/platform/node.ts')}'`));
    const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), file], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `snippet ${i + 1} failed:\n${r.stderr}`);
  });
});

/**
 * The browser test's web server on 127.0.0.1 (ephemeral port), cross-origin isolated (COOP/COEP
 * headers on every response): the page, esbuild bundles of entry.ts and of the wasm backend's
 * browser worker, the kernel module's builds in build/wasm and the reference cases.
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { referenceDir } from '../reference/cases.ts';
import { MODULE_BUILDS } from '../../src/backend/wasm/wasm-backend.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** Starts the computation worker with the page's query (`?case=NAME&threads=N`) and keeps its answer in `window.rnnkitResult`. */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>rnnkit wasm backend</title>
<script type="module">
  const query = new URLSearchParams(location.search);
  const worker = new Worker('/entry.js', { type: 'module' });
  worker.onmessage = (e) => { window.rnnkitResult = e.data; };
  worker.onerror = (e) => { window.rnnkitResult = { error: 'worker: ' + e.message }; };
  worker.postMessage({ caseName: query.get('case'), threads: Number(query.get('threads')) });
</script>
`;

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const { outputFiles } = await build({
    entryPoints: [join(ROOT, 'test/browser/entry.ts'), join(ROOT, 'src/backend/wasm/browser-worker.mjs')],
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: '/', write: false, logLevel: 'error',
  });
  const files = new Map<string, { type: string; body: string | Uint8Array }>([
    ['/', { type: 'text/html; charset=utf-8', body: PAGE }],
    ...await Promise.all(Object.values(MODULE_BUILDS).map(async (file) =>
      [`/${file}`, { type: 'application/wasm', body: await readFile(join(ROOT, 'build/wasm', file)) }] as const)),
    ...outputFiles.map((f) => [`/${basename(f.path)}`, { type: 'text/javascript; charset=utf-8', body: f.contents }] as const),
  ]);
  const server = createServer(async (req, res) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cache-Control', 'no-store');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const caseName = /^\/case\/([\w-]+)\.json$/.exec(path)?.[1];
    const file = caseName
      ? { type: 'application/json', body: await readFile(join(referenceDir(), `${caseName}.json`)).catch(() => undefined) }
      : files.get(path);
    if (!file?.body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file.type }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

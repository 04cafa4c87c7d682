/**
 * The playground's web server: the page build/playground/ holds (scripts/build-playground.mjs)
 * and the kernel modules of build/wasm/, on 127.0.0.1 only. Every response is cross-origin
 * isolated (COOP/COEP, so that the wasm backend may use threads over shared memory) and carries a
 * content security policy that allows nothing from elsewhere: the page works offline.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { RnnkitError } from '../errors.ts';
import { MODULE_BUILDS } from '../backend/wasm/wasm-backend.ts';

/** The page and the kernel modules are missing, or the port cannot be used. */
export class PlaygroundError extends RnnkitError {}

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PLAYGROUND_DIR = join(PACKAGE_ROOT, 'build', 'playground');
const WASM_DIR = join(PACKAGE_ROOT, 'build', 'wasm');
export const DEFAULT_PORT = 8765;
const HOST = '127.0.0.1';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8', '.wasm': 'application/wasm',
};

const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

export interface PlaygroundOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. Default 8765. */
  port?: number;
  /** The built page (default: build/playground of this package). */
  dir?: string;
}

export interface PlaygroundServer {
  url: string;
  close(): Promise<void>;
}

/** Every file the server answers, by URL path, read once at start. */
function loadFiles(dir: string): Map<string, { type: string; body: Buffer }> {
  if (!existsSync(join(dir, 'index.html'))) {
    throw new PlaygroundError(`the playground is not built (${dir} has no index.html): run "npm run build" in rnnkit's folder`);
  }
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const path of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const type = TYPES[extname(path)];
    if (type) files.set(`/${path.split('\\').join('/')}`, { type, body: readFileSync(join(dir, path)) });
  }
  // the page is cross-origin isolated, so the wasm backend loads a shared-memory build
  for (const file of Object.values(MODULE_BUILDS.shared)) {
    const path = join(WASM_DIR, file);
    if (!existsSync(path)) throw new PlaygroundError(`the kernel module ${path} is missing: run "npm run build" in rnnkit's folder`);
    files.set(`/wasm/${file}`, { type: TYPES['.wasm'], body: readFileSync(path) });
  }
  files.set('/', files.get('/index.html')!);
  return files;
}

/** Starts the server; resolves once it listens. */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<PlaygroundServer> {
  const { port = DEFAULT_PORT, dir = PLAYGROUND_DIR } = options;
  const files = loadFiles(dir);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
    // only this machine's names for the server (a page elsewhere cannot reach it by DNS rebinding)
    const host = req.headers.host ?? '';
    if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host)) {
      res.writeHead(403).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const file = files.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE'
        ? new PlaygroundError(`port ${port} on ${HOST} is in use: pass --port N (0 picks a free one)`)
        : new PlaygroundError(`cannot listen on ${HOST}:${port} (${e.code ?? e.message})`));
    });
    server.listen(port, HOST, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${HOST}:${bound}/`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

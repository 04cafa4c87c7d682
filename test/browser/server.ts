/**
 * The browser tests' web server on 127.0.0.1 (ephemeral port): answers each path with what
 * `serve` gives (404 when nothing), with the cross-origin isolation headers (COOP/COEP, which
 * shared memory and so the wasm backend's threads need) on the paths `isolated` selects.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedFile {
  type: string;
  body: string | Uint8Array;
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export const JAVASCRIPT = 'text/javascript; charset=utf-8';
export const HTML = 'text/html; charset=utf-8';
export const WASM = 'application/wasm';

export async function startTestServer(
  serve: (path: string) => ServedFile | undefined | Promise<ServedFile | undefined>,
  isolated: (path: string) => boolean,
): Promise<TestServer> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (isolated(path)) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    res.setHeader('Cache-Control', 'no-store');
    const file = await serve(path);
    if (!file) {
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

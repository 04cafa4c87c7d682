/** `rnnkit playground`: serves the playground page on 127.0.0.1 until interrupted (src/node/playground.ts). */
import { DEFAULT_PORT, startPlayground } from '../../node/playground.ts';
import { UsageError } from '../args.ts';
import type { Command } from '../command.ts';

export const playgroundCommand: Command = {
  name: 'playground',
  summary: 'serve a page to train a character model and look inside models (127.0.0.1, offline)',
  usage: 'rnnkit playground [options]',
  optionGroups: [{
    title: 'options',
    options: [
      { name: 'port', type: 'integer', min: 0, max: 65535, default: DEFAULT_PORT, description: 'TCP port on 127.0.0.1 (0 picks a free one)' },
    ],
  }],
  notes: [
    'Open the printed address in a browser on this machine. Training and inspection run in the page (a Web Worker on the wasm backend); the server only hands out the page. Ctrl-C stops it.',
  ],

  async run(args, out) {
    if (args.positionals.length > 0) throw new UsageError(`rnnkit playground takes no arguments, got ${JSON.stringify(args.positionals[0])}`);
    const server = await startPlayground({ port: args.values.port as number });
    out.line(`rnnkit playground: ${server.url} (Ctrl-C stops it)`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    return 0;
  },
};

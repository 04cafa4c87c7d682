/**
 * Standard output for the commands: once the reader goes away (`rnnkit sample … | head`), writes
 * stop quietly and `closed` tells long-running commands to finish.
 */
export class Output {
  closed = false;

  constructor(private readonly stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout) {
    // EPIPE (reader gone) and every write after it: stop writing instead of crashing
    stream.on('error', () => {
      this.closed = true;
    });
  }

  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  write(text: string): void {
    if (!this.closed) this.stream.write(text);
  }

  line(text: string): void {
    this.write(text + '\n');
  }
}

/** A warning on stderr: `rnnkit COMMAND: warning: …`. */
export function warn(command: string, message: string): void {
  process.stderr.write(`rnnkit ${command}: warning: ${message}\n`);
}

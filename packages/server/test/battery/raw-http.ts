import { connect, type Socket } from 'node:net';

/** What came back on a raw connection: every response's status, and the text. */
export interface RawResult {
  readonly statuses: number[];
  readonly text: string;
  /** The socket error, if the connection failed (`ECONNRESET`, …). */
  readonly error?: string;
}

/** Options of {@link rawExchange}. */
export interface RawExchangeOptions {
  /** Wait this long between chunks (default 0: as fast as the socket takes them). */
  readonly delayMs?: number;
  /** Half-close the connection after the last chunk (default true). */
  readonly end?: boolean;
  /** Give up and destroy the socket after this long (default 10 s). */
  readonly timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends raw bytes to 127.0.0.1:`port`, chunk by chunk, and collects everything the server
 * sends until it closes the connection.
 */
export function rawExchange(port: number, chunks: readonly (string | Buffer)[], options: RawExchangeOptions = {}): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.setNoDelay(true);
    const received: Buffer[] = [];
    let error: string | undefined;
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 10_000);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(received).toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ statuses, text, ...(error ? { error } : {}) });
    });
    socket.on('end', () => socket.end());
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        if (options.delayMs) await sleep(options.delayMs);
        else await new Promise<void>((done) => setImmediate(done));
      }
      if (options.end !== false && !socket.destroyed) socket.end();
    });
  });
}

/** An HTTP/1.1 POST request's head (`Connection: close`). */
export function postHead(path: string, headers: Record<string, string | number>): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

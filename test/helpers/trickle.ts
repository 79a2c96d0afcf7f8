// A client that sends a request's head at once and its body a byte at a time, as a slow-body attack does,
// over a raw socket to a listening server, and reports what the server answered and when it closed.

import { once } from 'node:events';
import net from 'node:net';

export interface Trickled {
  /** Everything the server sent back. */
  answer: string;
  /** Milliseconds from the head until the server closed the connection. */
  ms: number;
}

/**
 * Sends `head`, then `body` one byte every `everyMs`, until the server closes the connection; gives up
 * (destroying the socket) after `giveUpMs`, so a server that never closes fails the caller's bound check.
 */
export async function trickle(
  port: number,
  head: string,
  body: string,
  { everyMs, giveUpMs }: { everyMs: number; giveUpMs: number },
): Promise<Trickled> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const started = Date.now();
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    answer += chunk;
  });
  socket.on('error', () => {});
  socket.write(head);
  let sent = 0;
  const drip = setInterval(() => {
    if (!socket.destroyed && sent < body.length) socket.write(body.charAt(sent++));
  }, everyMs);
  const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
  try {
    await once(socket, 'close');
  } finally {
    clearInterval(drip);
    clearTimeout(giveUp);
  }
  return { answer, ms: Date.now() - started };
}

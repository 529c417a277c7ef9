import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A server-sent events stream on a Fastify reply. The caller pushes events; the stream sends a
 * comment every `keepAliveMs` so proxies keep the connection open, and reports when the client left.
 */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { keepAliveMs?: number } = {},
) {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // A HEAD request gets the stream's headers and no stream: it ends at once rather than staying open.
  let closed = request.method === 'HEAD';
  if (closed) raw.end();
  else raw.write(': stream open\n\n');
  const keepAlive = closed
    ? undefined
    : setInterval(() => {
        if (!closed) raw.write(': keep-alive\n\n');
      }, options.keepAliveMs ?? 15_000);
  const onClose = new Promise<void>((resolve) => {
    request.raw.once('close', () => {
      closed = true;
      clearInterval(keepAlive);
      resolve();
    });
  });
  return {
    get closed() {
      return closed;
    },
    onClose,
    send(event: { id?: string | number; event?: string; data: unknown }) {
      if (closed) return;
      let frame = '';
      if (event.id !== undefined) frame += `id: ${event.id}\n`;
      if (event.event) frame += `event: ${event.event}\n`;
      for (const line of JSON.stringify(event.data).split('\n')) frame += `data: ${line}\n`;
      raw.write(`${frame}\n`);
    },
    end() {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      raw.end();
    },
  };
}

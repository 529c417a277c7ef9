import type { AddressInfo } from 'node:net';
import net from 'node:net';

/** A TCP port a check watches, that the test brings up and down on the same port. */
export class Target {
  #server: net.Server | undefined;
  #sockets = new Set<net.Socket>();
  port = 0;

  static async start(): Promise<Target> {
    const target = new Target();
    await target.up();
    return target;
  }

  async up(): Promise<void> {
    const server = net.createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A deep accept queue: a thousand checks connecting within a second on a busy event loop would
      // otherwise overflow Node's default backlog (511), and a dropped SYN is retried only after 1 s.
      server.listen({ port: this.port, host: '127.0.0.1', backlog: 4096 }, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

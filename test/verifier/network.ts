// A network the test can cut: a TCP proxy in front of the API. Cutting it closes the port
// and every open connection, so the browser really gets no answer (connection refused),
// whatever the browser's own offline emulation covers; restoring listens on the same port.
import { createServer, connect, type Server, type Socket } from "node:net";

export interface CuttableNetwork {
  /** The API's address through the proxy: http://127.0.0.1:<port> */
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function cuttableNetwork(target: string): Promise<CuttableNetwork> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(Number(targetPort), hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });

  const cut = async () => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return { url: `http://127.0.0.1:${port}`, cut, restore: () => (server ? Promise.resolve() : listen()), close: cut };
}

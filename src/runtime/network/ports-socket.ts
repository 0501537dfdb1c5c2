// A host port held by berthd itself, as dockerd holds its own: binding the socket is how a port another
// program uses is detected, and holding it keeps any other program from taking the port while it is published.
// No traffic reaches these sockets: the DNAT rules (ports-rules.ts) redirect every packet for the port first.
import dgram from "node:dgram";
import net from "node:net";
import type { Protocol } from "./ports-spec.js";

export interface Reservation {
  close(): Promise<void>;
}

/** Binds `hostIp:port`; rejects with the socket's error (code EADDRINUSE, EADDRNOTAVAIL, ...). */
export type Reserve = (proto: Protocol, hostIp: string, port: number) => Promise<Reservation>;

export const reservePort: Reserve = (proto, hostIp, port) => (proto === "tcp" ? holdTcp(hostIp, port) : holdUdp(hostIp, port));

function holdTcp(host: string, port: number): Promise<Reservation> {
  return new Promise((resolve, reject) => {
    // A connection can only arrive in the instant before the DNAT rules exist; it is refused.
    const server = net.createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen({ host, port, exclusive: true, backlog: 1 }, () => {
      server.off("error", reject);
      resolve({ close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

function holdUdp(address: string, port: number): Promise<Reservation> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: "udp4" });
    const failed = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once("error", failed);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off("error", failed);
      resolve({ close: () => new Promise((done) => socket.close(() => done())) });
    });
  });
}

/** The kernel's words for a failed bind, as dockerd reports them. */
export function bindFailure(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case "EADDRINUSE":
      return "address already in use";
    case "EADDRNOTAVAIL":
      return "cannot assign requested address";
    case "EACCES":
      return "permission denied";
    default:
      return (err as Error).message;
  }
}

// Forwarding to the upstream resolvers, as Docker's embedded DNS does: the query goes over the transport the
// client used (a truncated UDP answer reaches the client marked as such, and its retry over TCP is forwarded over
// TCP), to each upstream in turn until one answers with anything but SERVFAIL or REFUSED.
import { randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { connect, isIPv6 } from "node:net";
import { RCODE, tcpFrame, tcpMessages, type Transport } from "./dns-messages.js";
import { nameservers } from "./host-ranges.js";

/** As resolv.conf (MAXNS) and Docker: later nameservers are never asked. */
const MAX_UPSTREAMS = 3;
const DNS_PORT = 53;

/** The host's resolvers: the IPv4 nameservers of its resolv.conf. */
export async function hostUpstreams(resolvConf = "/etc/resolv.conf"): Promise<string[]> {
  return nameservers(resolvConf);
}

/** The first three upstreams that are not addresses the resolver itself listens on: forwarding to itself would loop. */
export function usableUpstreams(upstreams: readonly string[], own: readonly string[]): string[] {
  return upstreams.filter((u) => !own.includes(u)).slice(0, MAX_UPSTREAMS);
}

/** The first upstream reply, with the client's id, that is not SERVFAIL or REFUSED; undefined when none came within `timeoutMs` each. */
export async function forward(message: Buffer, upstreams: readonly string[], transport: Transport, timeoutMs: number): Promise<Buffer | undefined> {
  for (const server of upstreams) {
    const reply = await exchange(message, server, transport, timeoutMs);
    const rcode = reply && reply[3]! & 0x0f;
    if (reply && rcode !== RCODE.SERVFAIL && rcode !== RCODE.REFUSED) {
      message.copy(reply, 0, 0, 2);
      return reply;
    }
  }
  return undefined;
}

/** One query to one server under a fresh random id (the client's may be guessable), so only its reply matches. */
function exchange(message: Buffer, server: string, transport: Transport, timeoutMs: number): Promise<Buffer | undefined> {
  const query = Buffer.from(message);
  query.writeUInt16BE(randomInt(0x10000), 0);
  const matches = (reply: Buffer) => reply.length >= 12 && reply.readUInt16BE(0) === query.readUInt16BE(0) && (reply[2]! & 0x80) !== 0;
  return transport === "udp" ? overUdp(query, server, timeoutMs, matches) : overTcp(query, server, timeoutMs, matches);
}

function overUdp(query: Buffer, server: string, timeoutMs: number, matches: (reply: Buffer) => boolean): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    // A socket of its own on a random port, connected: only the server's datagrams reach it.
    const socket = createSocket(isIPv6(server) ? "udp6" : "udp4");
    let finished = false;
    const finish = (reply?: Buffer) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on("error", () => finish());
    socket.on("message", (reply) => matches(reply) && finish(reply));
    socket.connect(DNS_PORT, server, (err?: Error) => (err ? finish() : socket.send(query, (sent) => sent && finish())));
  });
}

function overTcp(query: Buffer, server: string, timeoutMs: number, matches: (reply: Buffer) => boolean): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: server, port: DNS_PORT });
    let received = Buffer.alloc(0);
    const finish = (reply?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on("error", () => finish());
    socket.on("close", () => finish());
    socket.on("connect", () => socket.write(tcpFrame(query)));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const [reply] = tcpMessages(received).messages;
      if (reply) finish(matches(reply) ? Buffer.from(reply) : undefined);
    });
  });
}

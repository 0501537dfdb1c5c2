// Service-name DNS for berth networks: a resolver on each user network's gateway address (UDP and TCP port 53),
// as Podman's aardvark-dns does, answering the names of the containers on that network and forwarding the rest.
// A container on several networks asks the gateway of one of them, so a query from a known container is also
// answered from the other networks it is on (Docker resolves over all of a container's networks).
// Nothing here is persisted: after a restart NetworkService serves its networks again and registers every
// endpoint from its records (dnsNetwork, dnsEntry).
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import { contains, parseCidr, parseIPv4 } from "./cidr.js";
import { failure, handle, RCODE, tcpFrame, tcpMessages, type Transport } from "./dns-messages.js";
import { NameTable, type DnsEntry } from "./dns-names.js";
import { forward, usableUpstreams } from "./dns-upstream.js";
import type { EndpointRecord, NetworkRecord } from "./store.js";

export type { DnsEntry } from "./dns-names.js";
export { hostUpstreams } from "./dns-upstream.js";

export interface DnsServerOptions {
  /** Upstream resolvers, by address (port 53); the first three are used. `hostUpstreams()` reads the host's. */
  upstreams: readonly string[];
  /** How long one upstream has to answer before the next is asked; when none does, the client gets SERVFAIL. */
  upstreamTimeoutMs?: number;
}

/** A network to serve; Docker's default `bridge` network has no name resolution, so it is never served. */
export interface DnsNetwork {
  id: string;
  name: string;
  gateway: string;
  /** Only clients inside it are answered: containers of other networks must not learn these names. */
  subnet: string;
  /** An internal network has no way out: names it does not know get SERVFAIL instead of being forwarded. */
  internal: boolean;
}

/** The name only Docker's default network can have (berth refuses it to users). */
const DEFAULT_NETWORK = "bridge";
const DNS_PORT = 53;
/** Docker's: long enough for a slow upstream, short enough that SERVFAIL comes before a client's own 5 s timeout. */
const DEFAULT_UPSTREAM_TIMEOUT_MS = 4000;
/** Docker's limit on forwarded queries in flight; beyond it a query is REFUSED rather than piling up sockets. */
const MAX_FORWARDS = 1024;
/** A TCP client that sends nothing for this long is disconnected. */
const TCP_IDLE_MS = 10_000;

/** What the resolver serves of a network; nothing for the default `bridge` network, which has no name resolution. */
export function dnsNetwork(record: NetworkRecord): DnsNetwork | undefined {
  if (record.Name === DEFAULT_NETWORK) return undefined;
  const { Subnet, Gateway } = record.IPAM.Config[0]!;
  return { id: record.Id, name: record.Name, gateway: Gateway, subnet: Subnet, internal: record.Internal };
}

/** What the resolver answers for an endpoint: its DNSNames, the container's name first. */
export function dnsEntry(endpoint: EndpointRecord): DnsEntry {
  return { containerId: endpoint.ContainerID, address: endpoint.IPAddress, names: endpoint.DNSNames };
}

interface Served {
  network: DnsNetwork;
  subnet: { base: number; prefix: number };
  table: NameTable;
  udp: UdpSocket;
  tcp: Server;
  /** Settles when both sockets are bound. */
  listening: Promise<void>;
  connections: Set<Socket>;
}

export class DnsServer {
  private readonly served = new Map<string, Served>();
  private forwarding = 0;

  constructor(private readonly options: DnsServerOptions) {}

  /** Starts answering on the network's gateway address, in the current network namespace. Serving twice is a no-op. */
  async serve(network: DnsNetwork): Promise<void> {
    const existing = this.served.get(network.id);
    if (existing) return existing.listening;
    const cidr = parseCidr(network.subnet);
    if (!cidr) throw new Error(`cannot serve DNS for network ${network.name}: invalid subnet ${JSON.stringify(network.subnet)}`);
    const udp = createSocket("udp4");
    const tcp = createServer();
    const served: Served = {
      network, udp, tcp, listening: listen(udp, tcp, network.gateway),
      subnet: { base: cidr.address, prefix: cidr.prefix }, table: new NameTable(network.name), connections: new Set(),
    };
    // In the table at once: a second serve waits for this one, and names registered meanwhile are kept.
    this.served.set(network.id, served);
    // A failed send to a client that went away must not take berthd down; bind errors also reject `listening`.
    udp.on("error", () => {});
    tcp.on("error", () => {});
    udp.on("message", (message, peer) => {
      this.query(served, message, peer.address, "udp")
        .then((reply) => reply && udp.send(reply, peer.port, peer.address))
        // A query that cannot be answered (or whose socket closed while it was forwarded) gets no reply.
        .catch(() => {});
    });
    tcp.on("connection", (socket) => this.accept(served, socket));
    try {
      await served.listening;
    } catch (err) {
      this.served.delete(network.id);
      udp.close();
      tcp.close();
      throw new Error(`cannot serve DNS for network ${network.name} on ${network.gateway}:${DNS_PORT}: ${(err as Error).message}`);
    }
  }

  async unserve(networkId: string): Promise<void> {
    const served = this.served.get(networkId);
    if (!served) return;
    this.served.delete(networkId);
    for (const socket of served.connections) socket.destroy();
    await Promise.all([
      new Promise<void>((done) => served.udp.close(() => done())),
      new Promise<void>((done) => served.tcp.close(() => done())),
    ]);
  }

  /** Adds (or replaces) a container's names on a network; a network that is not served (the default bridge) ignores it. */
  register(networkId: string, entry: DnsEntry): void {
    this.served.get(networkId)?.table.register(entry);
  }

  unregister(networkId: string, containerId: string): void {
    this.served.get(networkId)?.table.unregister(containerId);
  }

  async close(): Promise<void> {
    await Promise.all([...this.served.keys()].map((id) => this.unserve(id)));
  }

  private accept(served: Served, socket: Socket): void {
    served.connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on("error", () => {});
    socket.on("close", () => served.connections.delete(socket));
    let received = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      const { messages, rest } = tcpMessages(Buffer.concat([received, chunk]));
      received = Buffer.from(rest);
      for (const message of messages) {
        this.query(served, Buffer.from(message), socket.remoteAddress ?? "", "tcp")
          .then((reply) => reply && !socket.destroyed && socket.write(tcpFrame(reply)))
          .catch(() => socket.destroy());
      }
    });
  }

  /** The reply to one message from `client`, or undefined to send nothing. */
  private async query(served: Served, message: Buffer, client: string, transport: Transport): Promise<Buffer | undefined> {
    const inside = isInside(served, client);
    const handling = handle(message, inside ? this.tablesFor(served, client) : [], transport);
    if ("drop" in handling) return undefined;
    if ("reply" in handling) return handling.reply;
    if (!inside) return failure(handling.forward, RCODE.REFUSED);
    if (served.network.internal) return failure(handling.forward, RCODE.SERVFAIL);
    if (this.forwarding >= MAX_FORWARDS) return failure(handling.forward, RCODE.REFUSED);
    this.forwarding++;
    try {
      const reply = await forward(message, this.upstreams(), transport, this.options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS);
      return reply ?? failure(handling.forward, RCODE.SERVFAIL);
    } finally {
      this.forwarding--;
    }
  }

  /** The network asked first, then the other networks the asking container is on. */
  private tablesFor(served: Served, client: string): NameTable[] {
    const containerId = served.table.containerAt(client);
    if (containerId === undefined) return [served.table];
    const others = [...this.served.values()].filter((s) => s !== served && s.table.has(containerId)).map((s) => s.table);
    return [served.table, ...others];
  }

  private upstreams(): string[] {
    return usableUpstreams(this.options.upstreams, [...this.served.values()].map((s) => s.network.gateway));
  }
}

function isInside(served: Served, client: string): boolean {
  const address = parseIPv4(client.replace(/^::ffff:/, ""));
  return address !== undefined && contains(served.subnet, address);
}

function listen(udp: UdpSocket, tcp: Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(DNS_PORT, address, () => {
      udp.off("error", reject);
      tcp.once("error", reject);
      tcp.listen({ host: address, port: DNS_PORT }, () => {
        tcp.off("error", reject);
        resolve();
      });
    });
  });
}

// The process behind dns-host.ts, started inside a sandbox's "host" network namespace: it runs a DnsServer,
// tiny upstream resolvers and DNS clients there, and does what the test asks over the IPC channel.
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type Server } from "node:net";
import { decode, encode, RECURSION_DESIRED, TRUNCATED_RESPONSE, type DecodedPacket, type RecordType } from "dns-packet";
import { tcpFrame, tcpMessages } from "../../../src/runtime/network/dns-messages.js";
import { DnsServer } from "../../../src/runtime/network/dns.js";

/** How a test upstream behaves: answers A for `records` (NXDOMAIN otherwise), never answers, or truncates over UDP. */
export interface UpstreamBehaviour {
  records?: Record<string, string>;
  mode?: "answer" | "silent" | "truncate";
}

const CLIENT_TIMEOUT_MS = 5000;

let server: DnsServer | undefined;
const upstreams = new Map<string, { udp: UdpSocket; tcp: Server; queries: number }>();

function upstreamReply(message: Buffer, behaviour: UpstreamBehaviour, transport: "udp" | "tcp"): Buffer | undefined {
  if (behaviour.mode === "silent") return undefined;
  const query = decode(message);
  const question = query.questions![0]!;
  const address = behaviour.records?.[question.name];
  const truncated = behaviour.mode === "truncate" && transport === "udp";
  const flags = RECURSION_DESIRED | (address || truncated ? 0 : 3) | (truncated ? TRUNCATED_RESPONSE : 0);
  const answers = address && !truncated ? [{ type: "A" as const, name: question.name, ttl: 30, data: address }] : [];
  return encode({ id: query.id, type: "response", flags, questions: query.questions, answers });
}

async function startUpstream(address: string, behaviour: UpstreamBehaviour): Promise<void> {
  const entry = { udp: createSocket("udp4"), tcp: createServer(), queries: 0 };
  entry.udp.on("message", (message, peer) => {
    entry.queries++;
    const reply = upstreamReply(message, behaviour, "udp");
    if (reply) entry.udp.send(reply, peer.port, peer.address);
  });
  entry.tcp.on("connection", (socket) => {
    let received = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      const { messages, rest } = tcpMessages(Buffer.concat([received, chunk]));
      received = Buffer.from(rest);
      for (const message of messages) {
        entry.queries++;
        const reply = upstreamReply(message, behaviour, "tcp");
        if (reply) socket.write(tcpFrame(reply));
      }
    });
  });
  await new Promise<void>((done) => entry.udp.bind(53, address, done));
  await new Promise<void>((done) => entry.tcp.listen({ host: address, port: 53 }, done));
  upstreams.set(address, entry);
}

/** A decoded reply; dns-packet decodes the rcode too, its types leave it out. */
export type Reply = DecodedPacket & { rcode: string };

function ask(target: string, transport: "udp" | "tcp", name: string, type: RecordType): Promise<Reply> {
  const message = encode({ id: 1 + Math.floor(Math.random() * 65000), type: "query", flags: RECURSION_DESIRED, questions: [{ type, name }] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      close();
      reject(new Error(`no ${transport} reply from ${target} for ${name} ${type} in ${CLIENT_TIMEOUT_MS} ms`));
    }, CLIENT_TIMEOUT_MS);
    const done = (reply: Buffer) => {
      clearTimeout(timer);
      close();
      const decoded = decode(reply) as Reply;
      if (decoded.id === decode(message).id) resolve(decoded);
      else reject(new Error(`the reply's id ${decoded.id} is not the query's`));
    };
    const fail = (err: Error) => {
      clearTimeout(timer);
      close();
      reject(err);
    };
    let close: () => void;
    if (transport === "udp") {
      const socket = createSocket("udp4");
      close = () => socket.close();
      socket.on("error", fail);
      socket.on("message", done);
      socket.send(message, 53, target);
    } else {
      const socket = connect({ host: target, port: 53 }, () => socket.write(tcpFrame(message)));
      close = () => socket.destroy();
      socket.on("error", fail);
      let received = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const [reply] = tcpMessages(received).messages;
        if (reply) done(Buffer.from(reply));
      });
    }
  });
}

/** Round-trip times in ms of `count` A queries, one after another, over one UDP socket. */
async function latency(target: string, name: string, count: number): Promise<number[]> {
  const socket = createSocket("udp4");
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const message = encode({ id: i, type: "query", flags: RECURSION_DESIRED, questions: [{ type: "A", name }] });
      const started = performance.now();
      await new Promise<void>((done) => {
        socket.once("message", () => done());
        socket.send(message, 53, target);
      });
      samples.push(performance.now() - started);
    }
  } finally {
    socket.close();
  }
  return samples;
}

const operations: Record<string, (...args: never[]) => unknown> = {
  start: (options: ConstructorParameters<typeof DnsServer>[0]) => void (server = new DnsServer(options)),
  serve: (network: Parameters<DnsServer["serve"]>[0]) => server!.serve(network),
  unserve: (networkId: string) => server!.unserve(networkId),
  register: (networkId: string, entry: Parameters<DnsServer["register"]>[1]) => server!.register(networkId, entry),
  unregister: (networkId: string, containerId: string) => server!.unregister(networkId, containerId),
  upstream: (address: string, behaviour: UpstreamBehaviour) => startUpstream(address, behaviour),
  upstreamQueries: (address: string) => upstreams.get(address)!.queries,
  query: (target: string, transport: "udp" | "tcp", name: string, type: RecordType) => ask(target, transport, name, type),
  latency: (target: string, name: string, count: number) => latency(target, name, count),
  async close() {
    await server?.close();
    for (const { udp, tcp } of upstreams.values()) {
      udp.close();
      await new Promise((done) => tcp.close(done));
    }
  },
};

process.on("message", async ({ id, operation, args }: { id: number; operation: string; args: never[] }) => {
  try {
    process.send!({ id, result: await operations[operation]!(...args) });
  } catch (err) {
    process.send!({ id, error: (err as Error).message });
  }
});

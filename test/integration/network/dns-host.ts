// Test helper: a node process inside a sandbox's "host" namespace running a DnsServer, test upstreams and DNS
// clients (dns-host-child.ts). A socket is opened in the namespace of the thread that opens it, and Node opens
// TCP sockets asynchronously, so the server cannot run in the test's own process the way rtnetlink does.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import type { RecordType } from "dns-packet";
import type { DnsEntry, DnsNetwork, DnsServerOptions } from "../../../src/runtime/network/dns.js";
import type { Reply, UpstreamBehaviour } from "./dns-host-child.js";

const CHILD = resolve(import.meta.dirname, "dns-host-child.ts");

export class DnsHost {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: never) => void; reject: (err: Error) => void }>();
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.on("message", ({ id, result, error }: { id: number; result: never; error?: string }) => {
      const call = this.pending.get(id)!;
      this.pending.delete(id);
      if (error === undefined) call.resolve(result);
      else call.reject(new Error(error));
    });
    this.exited = new Promise((done) => child.once("exit", (code) => {
      for (const call of this.pending.values()) call.reject(new Error(`the DNS host process exited with ${code}`));
      done(code);
    }));
  }

  /** Starts the process in the network namespace bound at `netnsPath`, with a DnsServer made with `options`. */
  static async start(netnsPath: string, options: DnsServerOptions): Promise<DnsHost> {
    const child = spawn("nsenter", [`--net=${netnsPath}`, "--", process.execPath, "--import", "tsx", CHILD], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    });
    const host = new DnsHost(child);
    await host.call("start", options);
    return host;
  }

  private call<T>(operation: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject });
      this.child.send({ id, operation, args });
    });
  }

  serve(network: DnsNetwork): Promise<void> {
    return this.call("serve", network);
  }

  unserve(networkId: string): Promise<void> {
    return this.call("unserve", networkId);
  }

  register(networkId: string, entry: DnsEntry): Promise<void> {
    return this.call("register", networkId, entry);
  }

  unregister(networkId: string, containerId: string): Promise<void> {
    return this.call("unregister", networkId, containerId);
  }

  /** A test upstream resolver on `address`:53. */
  upstream(address: string, behaviour: UpstreamBehaviour): Promise<void> {
    return this.call("upstream", address, behaviour);
  }

  /** How many queries the test upstream on `address` has received. */
  upstreamQueries(address: string): Promise<number> {
    return this.call("upstreamQueries", address);
  }

  /** Asks `server`:53 one question from the host namespace; rejects when no reply comes within seconds. */
  query(server: string, transport: "udp" | "tcp", name: string, type: RecordType = "A"): Promise<Reply> {
    return this.call("query", server, transport, name, type);
  }

  /** Round-trip times (ms) of `count` sequential UDP A queries for `name`. */
  latency(server: string, name: string, count: number): Promise<number[]> {
    return this.call("latency", server, name, count);
  }

  /** Closes every socket and waits for the process to exit on its own (an open handle would keep it alive). */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) throw new Error(`the DNS host process exited early with ${this.child.exitCode}`);
    try {
      await this.call("close");
    } catch (err) {
      this.child.kill("SIGKILL");
      throw err;
    }
    this.child.disconnect();
    const code = await this.exited;
    if (code !== 0) throw new Error(`the DNS host process exited with ${code}`);
  }
}

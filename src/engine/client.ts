// The CLI's way to its engine: a dockerode client for --host / BERTH_HOST, or for the local berthd — started
// in the background when its socket does not answer.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, watch, type FSWatcher } from "node:fs";
import { on } from "node:events";
import { Agent, request, type AgentOptions } from "node:http";
import { basename, dirname, resolve } from "node:path";
import Docker from "dockerode";
import { UserError } from "../compose/errors.js";
import { berthRoot, formatHost, localSocket, logFile, parseHost, type HostAddress } from "./config.js";

export interface EngineOptions {
  /** DOCKER_HOST-style URL (unix:///path, tcp://host:port); default: BERTH_HOST, then the local berthd. */
  host?: string;
  env?: NodeJS.ProcessEnv;
  /** How to start berthd in the background; default: this installation's `berth daemon`. */
  daemonCommand?: readonly string[];
  startTimeoutMs?: number;
}

const BERTH_BIN = resolve(import.meta.dirname, "../../bin/berth.js");

/**
 * Node options for berthd, each worth a few MiB of idle RSS (bench/containers.ts): semispaces of at most 1 MiB
 * (V8 grows them to 16 MiB; berthd allocates little per request, so the extra scavenges do not show), and one
 * V8 platform thread instead of four (berthd's heap is small: GC and compiler tasks are short), and no TurboFan
 * (~5 MiB: its code pages in the node binary and its compile zones; berthd waits on the kernel, not on JavaScript,
 * and spends no more CPU per container without it).
 */
export const DAEMON_NODE_OPTIONS: readonly string[] = ["--max-semi-space-size=1", "--v8-pool-size=1", "--no-opt"];
const DEFAULT_START_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 2_000;

/**
 * The client for the engine at `options.host` (default: berthd, started when its socket does not answer).
 * Its HTTP agent names no TLS server: Node's would work one out for every request, an IP address check whose
 * regular expression costs a CLI run milliseconds per request until V8 compiles it (the engine speaks plain HTTP).
 */
export async function engine(options: EngineOptions = {}): Promise<Docker> {
  const env = options.env ?? process.env;
  const root = berthRoot(env);
  const socket = localSocket(root);
  const address = parseHost(options.host ?? (env.BERTH_HOST || `unix://${socket}`));
  const isLocal = address.kind === "unix" && address.path === socket;
  if (isLocal && !(await ping(address, PING_TIMEOUT_MS))) {
    await startDaemon({
      root,
      socket,
      env,
      command: options.daemonCommand ?? [process.execPath, ...DAEMON_NODE_OPTIONS, BERTH_BIN, "daemon"],
      timeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    });
  }
  const agent = new Agent({ keepAlive: true, servername: "" } as AgentOptions);
  // docker-modem takes `agent`; @types/dockerode does not list it.
  const client: Docker.DockerOptions & { agent: Agent } =
    address.kind === "unix" ? { socketPath: address.path, agent } : { protocol: "http", host: address.host, port: address.port, agent };
  return new Docker(client);
}

/** True when `GET /_ping` answers 200 within the timeout. */
export function ping(address: HostAddress, timeoutMs: number): Promise<boolean> {
  const target = address.kind === "unix" ? { socketPath: address.path } : { host: address.host, port: address.port };
  return new Promise((resolve) => {
    const req = request({ ...target, path: "/_ping", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(false));
    req.end();
  });
}

interface StartOptions {
  root: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  command: readonly string[];
  timeoutMs: number;
}

/** Spawns berthd detached (it outlives this CLI), logging to the root's log file, and waits until it answers. */
async function startDaemon({ root, socket, env, command, timeoutMs }: StartOptions): Promise<void> {
  const address = formatHost({ kind: "unix", path: socket });
  if (process.getuid?.() !== 0) {
    throw new UserError(
      `cannot reach berthd on ${address}: its socket is root-only and only root can start it; ` +
        `run berth as root, or point it at another engine with --host or BERTH_HOST`,
    );
  }
  const log = logFile(root);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
  // Watching before the spawn means the socket's appearance cannot slip by unseen.
  const watcher = watch(dirname(socket));
  try {
    const logFd = openSync(log, "a", 0o600);
    const child = spawn(command[0]!, command.slice(1), { detached: true, stdio: ["ignore", logFd, logFd], env: { ...env, BERTH_ROOT: root } });
    closeSync(logFd);
    child.unref();
    const failure = await waitUntilAnswering(socket, watcher, child, timeoutMs);
    if (failure) throw new UserError(`berthd ${failure} (${address}): ${lastLine(log)}\n(full log: ${log})`);
  } finally {
    watcher.close();
  }
}

/**
 * Pings whenever the socket file changes (created, then chmod and chown) until berthd answers, ends, or time is up.
 * Resolves to undefined once it answers, otherwise to what went wrong.
 */
async function waitUntilAnswering(socket: string, watcher: FSWatcher, child: ChildProcess, timeoutMs: number): Promise<string | undefined> {
  const address: HostAddress = { kind: "unix", path: socket };
  const ended = new AbortController();
  let how = "";
  child.once("exit", (code, signal) => {
    how = code !== null ? `exited with status ${code} before answering` : `was killed by ${signal} before answering`;
    ended.abort();
  });
  child.once("error", (err) => {
    how = `could not be started (${err.message})`;
    ended.abort();
  });
  const signal = AbortSignal.any([ended.signal, AbortSignal.timeout(timeoutMs)]);
  try {
    if (await ping(address, PING_TIMEOUT_MS)) return undefined;
    for await (const [, name] of on(watcher, "change", { signal })) {
      if (name === basename(socket) && (await ping(address, PING_TIMEOUT_MS))) return undefined;
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
  if (!ended.signal.aborted) return `did not answer within ${timeoutMs / 1000} s`;
  // It may have lost a start-up race to another berthd on the same root, which then answers.
  return (await ping(address, PING_TIMEOUT_MS)) ? undefined : how;
}

function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    return lines[lines.length - 1] ?? "";
  } catch {
    return "(no log written)";
  }
}

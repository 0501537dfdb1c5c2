// Where berthd keeps its state and where it listens (shared by the daemon and by the CLI that finds or starts it),
// and berthd's settings file.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join, resolve } from "node:path";
import { UserError } from "../compose/errors.js";
import type { RegistryConfig } from "../runtime/image/registry/hosts.js";

export const DEFAULT_ROOT = "/var/lib/berth";
export const DEFAULT_SOCKET = "/run/berth/berthd.sock";

/** sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export function berthRoot(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.BERTH_ROOT || DEFAULT_ROOT);
}

/**
 * The socket of the daemon that owns `root`: the well-known one for the default root, inside the root
 * otherwise, so that daemons on different roots (tests in temp dirs) never compete for one socket.
 */
export function localSocket(root: string): string {
  return root === DEFAULT_ROOT ? DEFAULT_SOCKET : join(root, "berthd.sock");
}

export const pidFile = (root: string) => join(root, "berthd.pid");
export const logFile = (root: string) => join(root, "berthd.log");

export type HostAddress = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };

const HOST_FORMS = "use unix:///path/to/socket or tcp://127.0.0.1:PORT";

/** Parses a DOCKER_HOST-style URL: unix:///path or tcp://host:port. */
export function parseHost(url: string): HostAddress {
  if (url.startsWith("unix://")) {
    const path = url.slice("unix://".length);
    if (!path.startsWith("/")) throw new UserError(`invalid host "${url}": the socket path must be absolute; ${HOST_FORMS}`);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      throw new UserError(`invalid host "${url}": unix socket paths are limited to ${MAX_SOCKET_PATH} bytes`);
    }
    return { kind: "unix", path };
  }
  if (url.startsWith("tcp://")) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UserError(`invalid host "${url}": ${HOST_FORMS}`);
    }
    if (parsed.port === "" || (parsed.pathname !== "" && parsed.pathname !== "/")) {
      throw new UserError(`invalid host "${url}": a TCP address needs a port and nothing after it, e.g. tcp://127.0.0.1:2375`);
    }
    return { kind: "tcp", host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(parsed.port) };
  }
  throw new UserError(`invalid host "${url}": ${HOST_FORMS}`);
}

export function formatHost(address: HostAddress): string {
  if (address.kind === "unix") return `unix://${address.path}`;
  return address.host.includes(":") ? `tcp://[${address.host}]:${address.port}` : `tcp://${address.host}:${address.port}`;
}

/** berthd's settings file, like dockerd's daemon.json: `$BERTH_ROOT/daemon.json`, optional. */
export const daemonConfigFile = (root: string) => join(root, "daemon.json");

export interface DaemonConfig {
  registry: RegistryConfig;
  /** Upstream resolvers of the networks' DNS ("dns", as dockerd's); none means the host's resolv.conf. */
  dns: string[];
}

const DAEMON_KEYS = ["registry-mirrors", "insecure-registries", "dns"];

/** Reads and checks daemon.json; a missing file means the defaults. Errors use dockerd's wording. */
export function readDaemonConfig(root: string): DaemonConfig {
  const file = daemonConfigFile(root);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { registry: { mirrors: [], insecure: [] }, dns: [] };
    throw err;
  }
  const fail = (why: string) => new UserError(`unable to configure the berth daemon with file ${file}: ${why}`);
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw fail((err as Error).message);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail("the file must hold a JSON object");
  const unknown = Object.keys(value).filter((key) => !DAEMON_KEYS.includes(key));
  if (unknown.length > 0) throw fail(`the following directives don't match any configuration option: ${unknown.join(", ")}`);
  const strings = (key: string): string[] => {
    const list = value[key] ?? [];
    if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) throw fail(`"${key}" must be a list of strings`);
    return list as string[];
  };
  const mirrors = strings("registry-mirrors").map((mirror) => {
    let url: URL;
    try {
      url = new URL(mirror);
    } catch {
      throw fail(`invalid mirror: "${mirror}" is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw fail(`invalid mirror: unsupported scheme "${url.protocol.slice(0, -1)}" in "${mirror}"`);
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username) {
      throw fail(`invalid mirror: path, query, credentials or fragment at end of the URI "${mirror}"`);
    }
    return url.origin;
  });
  const insecure = strings("insecure-registries").map((entry) => {
    if (entry.includes("://")) throw fail(`insecure registry ${entry} should not contain '://'`);
    return entry;
  });
  const dns = strings("dns").map((server) => {
    if (!isIP(server)) throw fail(`IP address is not correctly formatted: ${server}`);
    return server;
  });
  return { registry: { mirrors, insecure }, dns };
}

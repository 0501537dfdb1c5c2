// Where berthd keeps its state and where it listens: shared by the daemon and by the CLI that finds or starts it.
import { join, resolve } from "node:path";
import { UserError } from "../compose/errors.js";

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

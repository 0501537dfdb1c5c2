// berthd's HTTP side: one router behind every listener (unix sockets; loopback TCP when configured).
import { chmod, chown, lstat, mkdir, unlink } from "node:fs/promises";
import { createServer, ServerResponse, type IncomingMessage, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { dirname } from "node:path";
import type { Duplex } from "node:stream";
import { UserError } from "../compose/errors.js";
import { formatHost, type HostAddress } from "./config.js";
import { API_VERSION, MAX_JSON_BODY, sendJson, type Router, type Upgrade } from "./router.js";

export class EngineServer {
  private readonly servers: Server[] = [];
  /** Hijacked connections: node:http no longer tracks them, so shutdown has to. */
  private readonly upgraded = new Set<Duplex>();

  constructor(
    private readonly router: Router,
    /** The `Server` header, as dockerd sends `Docker/28.2.2 (linux)`. */
    private readonly product: string,
  ) {}

  async listen(address: HostAddress): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    // Idle keep-alive connections stay open, as dockerd's do: Node closes them after 5 s by default, and a
    // client that reuses one just then (its event loop was busy) gets EPIPE/ECONNRESET on a good request.
    server.keepAliveTimeout = 0;
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgraded.add(socket);
      socket.once("close", () => this.upgraded.delete(socket));
      // The router answers through a ServerResponse like any request; a handler that does not hijack the
      // connection gets an ordinary response, after which the connection closes.
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket as Socket);
      res.once("finish", () => socket.end());
      const length = Number(req.headers["content-length"] ?? 0);
      if (!(length <= MAX_JSON_BODY)) {
        sendJson(res, 413, { message: `request body is larger than ${MAX_JSON_BODY} bytes` });
        return;
      }
      void readUpgradeBody(socket, head, length).then((body) => body && this.handle(req, res, { socket, body }));
    });
    if (address.kind === "unix") await listenUnix(server, address.path);
    else await listenTcp(server, address);
    this.servers.push(server);
  }

  private handle(req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade): void {
    res.setHeader("Server", this.product);
    res.setHeader("API-Version", API_VERSION);
    res.setHeader("OSType", "linux");
    void this.router.dispatch(req, res, upgrade);
  }

  /** Stops accepting, lets requests in flight finish for up to `graceMs`, then cuts what is left. */
  async close(graceMs: number): Promise<void> {
    const closing = this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const server of this.servers) server.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const server of this.servers) server.closeAllConnections();
      for (const socket of this.upgraded) socket.destroy();
    }, graceMs);
    await Promise.all(closing);
    clearTimeout(timer);
  }
}

/**
 * Reads an upgrade request's body (HTTP puts it before the switch of protocols; dockerode sends its options
 * there), leaving every later byte in the socket for whoever takes the stream. Undefined if the client hung up.
 */
function readUpgradeBody(socket: Duplex, head: Buffer, length: number): Promise<Buffer | undefined> {
  let buffered = head;
  return new Promise((resolve) => {
    const take = () => {
      let chunk: Buffer | null;
      while (buffered.length < length && (chunk = socket.read() as Buffer | null) !== null) buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < length) return;
      stop();
      if (buffered.length > length) socket.unshift(buffered.subarray(length));
      resolve(buffered.subarray(0, length));
    };
    const hungUp = () => {
      stop();
      resolve(undefined);
    };
    const stop = () => {
      socket.off("readable", take);
      socket.off("end", hungUp);
    };
    socket.on("readable", take);
    socket.once("end", hungUp);
    take();
  });
}

async function listenUnix(server: Server, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await removeStaleSocket(path);
  // Born 0600, so no one else can connect before the chmod below; bind happens inside listen() synchronously.
  const umask = process.umask(0o177);
  const listening = listen(server, { kind: "unix", path }, () => server.listen(path));
  process.umask(umask);
  await listening;
  await chown(path, 0, 0);
  await chmod(path, 0o660);
}

/** A socket file left by a daemon that died is removed; a live one, or anything else at the path, is an error. */
async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (stat === undefined) return;
  if (!stat.isSocket()) throw new UserError(`cannot listen on unix://${path}: the path exists and is not a socket`);
  if (await answers(path)) throw new UserError(`cannot listen on unix://${path}: another engine is already listening there`);
  await unlink(path);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

async function listenTcp(server: Server, address: { host: string; port: number }): Promise<void> {
  if (!LOOPBACK.test(address.host)) {
    throw new UserError(
      `cannot listen on ${formatHost({ kind: "tcp", ...address })}: berthd serves TCP only on a loopback address ` +
        `(127.0.0.1 or [::1]), since the API gives root on this machine and berthd has no TLS`,
    );
  }
  await listen(server, { kind: "tcp", ...address }, () => server.listen(address.port, address.host));
}

function listen(server: Server, address: HostAddress, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === "EADDRINUSE" ? new UserError(`cannot listen on ${formatHost(address)}: the address is in use`) : err);
    };
    server.once("error", onError);
    server.once("listening", () => {
      server.off("error", onError);
      resolve();
    });
    start();
  });
}

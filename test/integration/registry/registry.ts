// Test helpers for pulls: Debian's docker-registry (the distribution registry) on 127.0.0.1 with its storage in a
// temp dir, a tiny proxy in front of it that counts requests, demands credentials or damages blobs, and a portal
// that makes these loopback ports reachable from a test berthd's own network namespace.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testHostNetns } from "../engine/berthd.js";

export const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Registry {
  port: number;
  /** `127.0.0.1:PORT`. */
  host: string;
  dir: string;
  stop(): Promise<void>;
}

/** Starts docker-registry with its own config (loopback only, storage in a temp dir) and waits until it answers. */
export async function startRegistry(): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "berth-registry-"));
  const port = await freePort();
  writeFileSync(
    join(dir, "config.yml"),
    [
      "version: 0.1",
      "log: {level: warn, accesslog: {disabled: true}}",
      `storage: {filesystem: {rootdirectory: ${join(dir, "storage")}}, delete: {enabled: true}}`,
      `http: {addr: "127.0.0.1:${port}", secret: test-secret}`,
      "",
    ].join("\n"),
  );
  let output = "";
  const child: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  for (let attempt = 0; ; attempt++) {
    const up = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok, () => false);
    if (up) break;
    if (child.exitCode !== null || attempt > 200) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`docker-registry did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    port,
    host: `127.0.0.1:${port}`,
    dir,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Copies a docker-save archive into the registry as `repo:tag` with skopeo (which gzips its layers on the way). */
export function skopeoPush(archive: string, registry: Registry, target: string): void {
  const r = spawnSync("skopeo", ["copy", "--insecure-policy", "--dest-tls-verify=false", `docker-archive:${archive}`, `docker://${registry.host}/${target}`], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
}

/** Uploads one blob to `repo` (a monolithic upload: POST, then PUT with the digest). */
export async function pushBlob(registry: Registry, repo: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
  const started = await fetch(`http://${registry.host}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  assert.equal(started.status, 202, await started.text());
  const location = new URL(started.headers.get("location")!, `http://${registry.host}`);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: new Uint8Array(data), headers: { "Content-Type": "application/octet-stream" } });
  assert.equal(put.status, 201, await put.text());
  return { digest, size: data.length };
}

export async function pushManifest(registry: Registry, repo: string, reference: string, mediaType: string, manifest: unknown): Promise<{ digest: string; size: number }> {
  const body = Buffer.from(JSON.stringify(manifest));
  const put = await fetch(`http://${registry.host}/v2/${repo}/manifests/${reference}`, { method: "PUT", body: new Uint8Array(body), headers: { "Content-Type": mediaType } });
  assert.equal(put.status, 201, await put.text());
  return { digest: sha256(body), size: body.length };
}

export async function getManifest(registry: Registry, repo: string, reference: string): Promise<{ bytes: Buffer; digest: string; json: Record<string, unknown> }> {
  const accept = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";
  const response = await fetch(`http://${registry.host}/v2/${repo}/manifests/${reference}`, { headers: { Accept: accept } });
  assert.equal(response.status, 200);
  const bytes = Buffer.from(await response.arrayBuffer());
  return { bytes, digest: sha256(bytes), json: JSON.parse(bytes.toString()) as Record<string, unknown> };
}

export interface ProxyOptions {
  /** Demand credentials: a bearer token from the proxy's own /token (Docker's token protocol), or basic. */
  auth?: "bearer" | "basic";
  /** Blobs whose bytes the proxy changes on the way: one byte flipped in the middle. */
  corrupt?: Set<string>;
  /** Blobs whose answer the proxy cuts after half of their bytes, as a network failure would. */
  cut?: Set<string>;
  /** Blobs whose answer stops after half of their bytes and hangs there; `onStall` hears when. */
  stall?: Set<string>;
  onStall?: () => void;
}

export const USER = "alice";
export const PASSWORD = "s3cret";

export interface Proxy {
  port: number;
  host: string;
  options: ProxyOptions;
  /** `GET /v2/...` paths seen, in order (token requests and pings excluded). */
  requests: string[];
  /** Requests to /token, with their Authorization header. */
  tokenRequests: { scope: string | null; authorization?: string }[];
  blobRequests(): string[];
  stop(): Promise<void>;
}

const unauthorized = (res: ServerResponse, challenge: string) => {
  res.writeHead(401, { "WWW-Authenticate": challenge, "Content-Type": "application/json" });
  res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
};

/** An HTTP proxy in front of `registry` that counts, authenticates and damages as `options` say (changeable between tests). */
export async function startProxy(registry: Registry, options: ProxyOptions = {}): Promise<Proxy> {
  const port = await freePort();
  const tokens = new Set<string>();
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
  const proxy: Proxy = {
    port,
    host: `127.0.0.1:${port}`,
    options,
    requests: [],
    tokenRequests: [],
    blobRequests: () => proxy.requests.filter((path) => path.includes("/blobs/")),
    stop: () => new Promise((done) => server.close(() => done())),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, `http://${proxy.host}`);
    if (url.pathname === "/token") {
      proxy.tokenRequests.push({ scope: url.searchParams.get("scope"), authorization: req.headers.authorization });
      if (req.headers.authorization !== basic) return void res.writeHead(401).end("bad credentials");
      const token = `token-${tokens.size}-${url.searchParams.get("scope")}`;
      tokens.add(token);
      res.writeHead(200, { "Content-Type": "application/json" });
      return void res.end(JSON.stringify({ token, expires_in: 300 }));
    }
    const repo = /^\/v2\/(.+)\/(?:manifests|blobs)\//.exec(url.pathname)?.[1];
    if (proxy.options.auth === "bearer" && repo !== undefined) {
      // Reading needs a token for pull on the repository, writing one for push too.
      const needed = req.method === "GET" || req.method === "HEAD" ? "pull" : "push";
      const token = req.headers.authorization?.replace(/^Bearer /, "");
      const granted = token !== undefined && tokens.has(token) ? /repository:(.+):([a-z,]+)$/.exec(token) : null;
      if (!granted || granted[1] !== repo || !granted[2]!.split(",").includes(needed)) {
        return unauthorized(res, `Bearer realm="http://${proxy.host}/token",service="berth-test",scope="repository:${repo}:${needed === "pull" ? "pull" : "pull,push"}"`);
      }
    }
    // The version check a login makes: any token the server gave answers it, as on Docker Hub.
    if (proxy.options.auth === "bearer" && url.pathname === "/v2/" && !tokens.has(req.headers.authorization?.replace(/^Bearer /, "") ?? "")) {
      return unauthorized(res, `Bearer realm="http://${proxy.host}/token",service="berth-test"`);
    }
    if (proxy.options.auth === "basic" && url.pathname.startsWith("/v2/") && req.headers.authorization !== basic) {
      return unauthorized(res, 'Basic realm="berth-test"');
    }
    if (url.pathname !== "/v2/") proxy.requests.push(`${req.method} ${url.pathname}`);
    const digest = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname)?.[1];
    const { authorization: _, ...headers } = req.headers;
    const upstream = request({ host: "127.0.0.1", port: registry.port, method: req.method, path: req.url, headers }, (answer) => {
      const { corrupt, cut, stall, onStall } = proxy.options;
      if (digest && answer.statusCode === 200 && (corrupt?.has(digest) || cut?.has(digest) || stall?.has(digest))) {
        return damage(answer, res, corrupt?.has(digest) ? "corrupt" : cut?.has(digest) ? "cut" : "stall", onStall);
      }
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(port, "127.0.0.1", done));
  return proxy;
}

/** Buffers a blob answer, then sends it with one byte flipped, or sends half of it and drops the connection or hangs. */
function damage(answer: IncomingMessage, res: ServerResponse, how: "corrupt" | "cut" | "stall", onStall?: () => void): void {
  const chunks: Buffer[] = [];
  answer.on("data", (chunk: Buffer) => chunks.push(chunk));
  answer.on("end", () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length });
    const middle = Math.floor(body.length / 2);
    if (how === "corrupt") {
      body[middle] = body[middle]! ^ 0xff;
      return void res.end(body);
    }
    res.write(body.subarray(0, middle), () => (how === "cut" ? res.socket?.destroy() : onStall?.()));
  });
}

export interface Portal {
  stop(): Promise<void>;
}

/**
 * Makes the loopback `ports` of the test's network namespace answer on the same ports on the loopback of the
 * namespace a test berthd on `root` runs in (see ../engine/in-test-host.sh): a forwarder in that namespace hands
 * each connection over a unix socket (which no network namespace confines) to this process, which connects it on.
 */
export async function openPortal(root: string, ports: number[]): Promise<Portal> {
  const dir = mkdtempSync(join(tmpdir(), "berth-portal-"));
  const servers: NetServer[] = [];
  for (const port of ports) {
    const server = createNetServer((inside) => {
      const outside = connect(port, "127.0.0.1");
      inside.pipe(outside).pipe(inside);
      inside.on("error", () => outside.destroy());
      outside.on("error", () => inside.destroy());
    });
    await new Promise<void>((done) => server.listen(join(dir, `${port}.sock`), done));
    servers.push(server);
  }
  const forwarder = `
    const net = require("node:net");
    const [dir, ...ports] = process.argv.slice(1);
    let listening = 0;
    for (const port of ports) {
      net.createServer((outside) => {
        const inside = net.connect(dir + "/" + port + ".sock");
        outside.pipe(inside).pipe(outside);
        outside.on("error", () => inside.destroy());
        inside.on("error", () => outside.destroy());
      }).listen(Number(port), "127.0.0.1", () => ++listening === ports.length && process.stdout.write("ready\\n"));
    }`;
  const child = spawn("nsenter", [`--net=${testHostNetns(root)}`, "--", process.execPath, "-e", forwarder, dir, ...ports.map(String)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  await new Promise<void>((done, fail) => {
    child.stdout!.once("data", () => done());
    void exited.then(() => fail(new Error("the portal's forwarder exited before listening")));
  });
  return {
    async stop() {
      child.kill("SIGTERM");
      await exited;
      for (const server of servers) await new Promise<void>((done) => server.close(() => done()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Message {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { Tag: string; Digest: string; Size: number };
  error?: string;
  errorDetail?: { message: string };
}

/** POSTs to berthd's socket: the status, and the JSON progress stream's messages (or the error body). */
export function postStream(socket: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; messages: Message[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: "POST", path, headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk));
      res.on("end", () => {
        const messages = res.statusCode === 200 ? body.split(/\r?\n/).filter(Boolean).map((line) => JSON.parse(line) as Message) : [];
        resolve({ status: res.statusCode!, messages, body });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** Runs a command without blocking: the proxy and the portal berthd reaches the registry through live in this process. */
export function run(command: string, args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { PATH: process.env.PATH!, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const out = { stdout: "", stderr: "" };
    child.stdout.on("data", (chunk: Buffer) => (out.stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (out.stderr += chunk));
    child.on("close", (status) => resolve({ status, ...out }));
  });
}

/** The berth CLI from the sources, as `run` runs it. */
export const berthCli = (args: string[]) => run(process.execPath, ["--import", "tsx", join(import.meta.dirname, "run-cli.ts"), ...args], {});

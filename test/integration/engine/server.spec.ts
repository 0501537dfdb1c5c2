// The engine's HTTP layer in-process, on a real unix socket: routing, bodies, hijacked streams and /events.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { endpointsFor } from "../../../src/engine/endpoints.js";
import { ApiError } from "../../../src/engine/errors.js";
import { EventBus, eventRoutes } from "../../../src/engine/events.js";
import { route, Router } from "../../../src/engine/router.js";
import { EngineServer } from "../../../src/engine/server.js";
import { frame, framedWriter, hijack, MULTIPLEXED_STREAM, RAW_STREAM, STDERR, STDOUT } from "../../../src/engine/stream.js";
import { removeRoot, tempRoot } from "./berthd.js";

const testRoutes = [
  route("GET", "/images/{name*}/json", (ctx) => ctx.json({ name: ctx.params.name })),
  route("POST", "/echo", async (ctx) => ctx.json({ body: (await ctx.body()) ?? null, all: ctx.query.bool("all"), n: ctx.query.int("n") ?? null })),
  route("GET", "/boom", () => {
    throw new Error("disk on fire");
  }),
  route("GET", "/teapot", () => {
    throw new ApiError(409, "conflict: the teapot is busy");
  }),
  // Echoes input back as stdout frames, and says goodbye on stderr when the input ends.
  route("POST", "/containers/{id}/attach", (ctx) => {
    const stream = hijack(ctx, MULTIPLEXED_STREAM);
    const stdout = framedWriter(stream, STDOUT);
    stream.on("data", (chunk: Buffer) => stdout.write(chunk));
    stream.on("end", () => framedWriter(stream, STDERR).write("bye", () => stream.end()));
  }),
  // Reads its options from the body, as exec start does, then echoes input raw.
  route("POST", "/exec/{id}/start", async (ctx) => {
    const options = await ctx.body<{ Tty?: boolean }>();
    const stream = hijack(ctx, RAW_STREAM);
    stream.write(`exec ${ctx.params.id} tty=${options?.Tty ?? false}: `);
    stream.on("data", (chunk: Buffer) => stream.write(chunk));
    stream.on("end", () => stream.end());
  }),
];

interface Reply {
  status: number;
  type: string | undefined;
  body: string;
}

function call(socketPath: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers, timeout: 5000 }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, type: res.headers["content-type"], body: text }));
    });
    req.once("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.once("error", reject);
    req.end(body);
  });
}

/** Sends a raw upgrade request (with an optional JSON body) and returns everything the server sends until it closes. */
function upgrade(socketPath: string, path: string, input: string, body = ""): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: berthd\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n`);
    socket.write(`Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    // Split from the body, so the server must wait for the rest of it.
    setTimeout(() => socket.end(input), 20);
  });
}

describe("engine server (integration, in-process)", function () {
  this.timeout(10_000);
  let root: string;
  let socket: string;
  let bus: EventBus;
  let server: EngineServer;
  let docker: Docker;

  before(async () => {
    root = tempRoot();
    socket = join(root, "api.sock");
    bus = new EventBus();
    server = new EngineServer(new Router(endpointsFor([...testRoutes, ...eventRoutes(bus)])), "berthd/test (linux)");
    await server.listen({ kind: "unix", path: socket });
    docker = new Docker({ socketPath: socket });
  });

  after(async () => {
    bus.close();
    await server.close(1000);
    assert.equal(existsSync(socket), false, "closing the server removes its socket");
    removeRoot(root);
  });

  it("passes greedy path parameters with their slashes, decoded", async () => {
    const reply = await call(socket, "GET", "/v1.50/images/registry.local%3A5000/library/busybox:1.36/json");
    assert.deepEqual(JSON.parse(reply.body), { name: "registry.local:5000/library/busybox:1.36" });
  });

  it("parses JSON bodies and Docker's query booleans and integers", async () => {
    const json = { "Content-Type": "application/json" };
    assert.deepEqual(JSON.parse((await call(socket, "POST", "/echo?all=True&n=7", '{"a":1}', json)).body), { body: { a: 1 }, all: true, n: 7 });
    assert.deepEqual(JSON.parse((await call(socket, "POST", "/echo?all=0")).body), { body: null, all: false, n: null });
    for (const truthy of ["1", "true", "yes"]) assert.equal(JSON.parse((await call(socket, "POST", `/echo?all=${truthy}`)).body).all, true);
  });

  it("rejects bad bodies and parameters with a 400 that says what is wrong", async () => {
    const broken = await call(socket, "POST", "/echo", "{nope", { "Content-Type": "application/json" });
    assert.equal(broken.status, 400);
    assert.match(JSON.parse(broken.body).message, /^invalid JSON in request body: /);
    const text = await call(socket, "POST", "/echo", "hi", { "Content-Type": "text/plain" });
    assert.equal(JSON.parse(text.body).message, "unsupported Content-Type header (text/plain): must be 'application/json'");
    const notInt = await call(socket, "POST", "/echo?n=seven");
    assert.equal(JSON.parse(notInt.body).message, 'invalid value for n: "seven" is not an integer');
  });

  it("maps ApiError to its status and other errors to a 500 with the message, logging the stack", async () => {
    const teapot = await call(socket, "GET", "/teapot");
    assert.deepEqual([teapot.status, JSON.parse(teapot.body)], [409, { message: "conflict: the teapot is busy" }]);
    const logged: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = (line: string) => logged.push(line) > 0;
    try {
      const boom = await call(socket, "GET", "/boom");
      assert.deepEqual([boom.status, JSON.parse(boom.body)], [500, { message: "disk on fire" }]);
    } finally {
      process.stderr.write = write;
    }
    assert.match(logged.join(""), /Z error GET \/boom: Error: disk on fire\n    at /);
  });

  it("answers a known path with the wrong method 405, listing the allowed ones", async () => {
    const reply = await call(socket, "DELETE", "/echo");
    assert.equal(reply.status, 405);
    assert.equal(JSON.parse(reply.body).message, "DELETE is not allowed on /echo; allowed: POST");
  });

  it("hijacks an upgraded connection: 101, then a multiplexed duplex stream", async () => {
    const raw = await upgrade(socket, "/v1.50/containers/c1/attach?stream=1&stdin=1&stdout=1", "hello");
    const split = raw.indexOf("\r\n\r\n");
    const head = raw.subarray(0, split).toString();
    assert.match(head, /^HTTP\/1\.1 101 UPGRADED\r\n/);
    assert.match(head, /\r\nContent-Type: application\/vnd\.docker\.multiplexed-stream\r\n/);
    assert.match(head, /\r\nUpgrade: tcp/);
    const expected = Buffer.concat([frame(STDOUT, Buffer.from("hello")), frame(STDERR, Buffer.from("bye"))]);
    assert.deepEqual(raw.subarray(split + 4), expected);
  });

  it("gives dockerode's hijacked attach a duplex stream it can demultiplex", async () => {
    const stream = (await docker.getContainer("c2").attach({ stream: true, stdin: true, stdout: true, hijack: true })) as NodeJS.ReadWriteStream;
    const output = new PassThrough();
    docker.modem.demuxStream(stream, output, new PassThrough());
    const echoed = new Promise<string>((resolve) => output.once("data", (chunk: Buffer) => resolve(chunk.toString())));
    stream.write("over the hijacked socket");
    assert.equal(await echoed, "over the hijacked socket");
    stream.end();
  });

  it("gives a hijacking handler the upgrade request's body, and the stream only what follows it", async () => {
    const raw = (await upgrade(socket, "/exec/e2/start", "hello", '{"Tty":true}')).toString();
    assert.match(raw, /^HTTP\/1\.1 101 UPGRADED\r\n/);
    assert.equal(raw.slice(raw.indexOf("\r\n\r\n") + 4), "exec e2 tty=true: hello");
  });

  it("answers a non-upgrade request to a hijacking route with a 200 stream", async () => {
    const reply = await call(socket, "POST", "/exec/e1/start", '{"Tty":false}', { "Content-Type": "application/json" });
    assert.deepEqual([reply.status, reply.type, reply.body], [200, RAW_STREAM, "exec e1 tty=false: "]);
  });

  it("answers an upgrade request to an ordinary route normally, then closes", async () => {
    const raw = (await upgrade(socket, "/no/such/thing", "")).toString();
    assert.match(raw, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.match(raw, /\{"message":"page not found: POST \/no\/such\/thing"\}/);
  });

  it("streams bus events to a dockerode getEvents client, filtered", async () => {
    const stream = (await docker.getEvents({ filters: { type: ["container"], label: ["app=web"] } })) as NodeJS.ReadableStream & { destroy(): void };
    const received = new Promise<Record<string, unknown>>((resolve) => stream.once("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString()))));
    bus.emit("image", "pull", { ID: "busybox:latest", Attributes: { name: "busybox" } });
    bus.emit("container", "start", { ID: "abc123", Attributes: { app: "db", image: "busybox", name: "db-1" } });
    const wanted = bus.emit("container", "start", { ID: "def456", Attributes: { app: "web", image: "busybox", name: "web-1" } });
    const event = await received;
    stream.destroy();
    assert.equal(event.id, "def456");
    assert.equal(event.status, "start");
    assert.equal(event.from, "busybox");
    assert.equal(event.Type, "container");
    assert.deepEqual(event.Actor, { ID: "def456", Attributes: { app: "web", image: "busybox", name: "web-1" } });
    assert.equal(event.time, Number(wanted.timeNano / 1_000_000_000n));
  });

  it("replays past events for `since` and ends at a past `until`", async () => {
    const first = bus.emit("volume", "create", { ID: "data", Attributes: { driver: "local" } });
    const seconds = (ns: bigint) => `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, "0")}`;
    const reply = await call(socket, "GET", `/events?since=${seconds(first.timeNano)}&until=${seconds(first.timeNano)}`);
    assert.equal(reply.status, 200);
    const lines = reply.body.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((e) => [e.Type, e.Action, e.Actor.ID]), [["volume", "create", "data"]]);
    assert.match(reply.body, new RegExp(`"timeNano":${first.timeNano}\\}`));
  });

  it("ends a stream when `until` arrives", async () => {
    const started = Date.now();
    const reply = await call(socket, "GET", `/events?until=${(Date.now() + 300) / 1000}`);
    assert.equal(reply.status, 200);
    assert.ok(Date.now() - started >= 250, "ended too early");
  });

  it("rejects invalid event parameters with 400", async () => {
    const badSince = await call(socket, "GET", "/events?since=yesterday");
    assert.equal(badSince.status, 400);
    assert.match(JSON.parse(badSince.body).message, /^invalid value for since: "yesterday"; expected Unix seconds/);
    const reversed = await call(socket, "GET", "/events?since=20&until=10");
    assert.equal(JSON.parse(reversed.body).message, "`since` time (20) cannot be after `until` time (10)");
    const badKey = await call(socket, "GET", `/events?filters=${encodeURIComponent('{"colour":["red"]}')}`);
    assert.equal(badKey.status, 400);
    assert.match(JSON.parse(badKey.body).message, /^invalid filter 'colour': valid filters are config, container, /);
  });

  it("drops listeners whose clients disconnected", async () => {
    const deadline = Date.now() + 5000;
    while (bus.listenerCount !== 0) {
      assert.ok(Date.now() < deadline, `${bus.listenerCount} listeners left`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});

// A real berthd process on a temp root, driven through dockerode and raw HTTP over its unix socket.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import Docker from "dockerode";
import { pidFile } from "../../../src/engine/config.js";
import { alive, inTestHost, removeRoot, startBerthd, tempRoot, type Berthd } from "./berthd.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(socketPath: string, method: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.once("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.once("error", reject);
    req.end();
  });
}

describe("berthd (integration)", function () {
  this.timeout(30_000);
  let root: string;
  let daemon: Berthd;
  let docker: Docker;

  before(async () => {
    root = tempRoot();
    daemon = await startBerthd(root);
    docker = new Docker({ socketPath: daemon.socket });
  });

  after(async () => {
    if (daemon.child.exitCode === null) {
      daemon.child.kill("SIGTERM");
      await daemon.exited;
    }
    removeRoot(root);
    assert.equal(existsSync(root), false);
  });

  it("answers ping, version and info through dockerode", async () => {
    assert.equal(String(await docker.ping()), "OK");
    const version = await docker.version();
    assert.equal(version.ApiVersion, "1.50");
    assert.equal(version.MinAPIVersion, "1.44");
    assert.equal(version.Os, "linux");
    const info = await docker.info();
    assert.equal(info.OSType, "linux");
    assert.equal(info.Driver, "overlay2");
    assert.equal(info.CgroupDriver, "cgroupfs");
    assert.equal(info.DockerRootDir, root);
    assert.equal(info.Containers, 0);
    assert.ok(info.NCPU >= 1 && info.MemTotal > 0);
    assert.match(info.ID, /^[0-9a-f-]{36}$/);
  });

  it("keeps the engine ID in the root", async () => {
    const info = await docker.info();
    assert.equal(readFileSync(`${root}/engine-id`, "utf8").trim(), info.ID);
  });

  it("sends Docker's negotiation headers on HEAD and GET /_ping", async () => {
    for (const method of ["HEAD", "GET"]) {
      const reply = await call(daemon.socket, method, "/_ping");
      assert.equal(reply.status, 200);
      assert.equal(reply.headers["api-version"], "1.50");
      assert.equal(reply.headers["ostype"], "linux");
      assert.equal(reply.headers["docker-experimental"], "false");
      assert.equal(reply.headers["cache-control"], "no-cache, no-store, must-revalidate");
      assert.equal(reply.body, method === "HEAD" ? "" : "OK");
    }
  });

  it("serves versioned and unversioned paths alike", async () => {
    for (const path of ["/version", "/v1.44/version", "/v1.50/version"]) {
      const reply = await call(daemon.socket, "GET", path);
      assert.equal(reply.status, 200, path);
      assert.equal(JSON.parse(reply.body).ApiVersion, "1.50");
    }
  });

  it("refuses versions outside 1.44–1.50 with Docker's messages", async () => {
    const old = await call(daemon.socket, "GET", "/v1.12/version");
    assert.equal(old.status, 400);
    assert.equal(
      JSON.parse(old.body).message,
      "client version 1.12 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version",
    );
    const future = await call(daemon.socket, "GET", "/v1.99/info");
    assert.equal(future.status, 400);
    assert.equal(JSON.parse(future.body).message, "client version 1.99 is too new. Maximum supported API version is 1.50");
  });

  it("answers unknown paths with a JSON 404 at once, and unimplemented Docker endpoints with 501", async () => {
    const unknown = await call(daemon.socket, "GET", "/v1.50/no/such/thing");
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers["content-type"] as string, /^application\/json/);
    assert.equal(JSON.parse(unknown.body).message, "page not found: GET /no/such/thing");
    const swarm = await call(daemon.socket, "GET", "/swarm");
    assert.equal(swarm.status, 501);
    assert.equal(JSON.parse(swarm.body).message, "berthd does not implement GET /swarm yet");
    const plugin = await call(daemon.socket, "GET", "/v1.50/plugins/vieux/sshfs:1.0/json");
    assert.equal(plugin.status, 501);
    assert.equal(JSON.parse(plugin.body).message, "berthd does not implement GET /plugins/{name*}/json yet");
  });

  it("creates the socket 0660 root:root and writes its pid file", () => {
    const stat = statSync(daemon.socket);
    assert.ok(stat.isSocket());
    assert.equal(stat.mode & 0o777, 0o660);
    assert.equal(stat.uid, 0);
    assert.equal(stat.gid, 0);
    assert.equal(Number(readFileSync(pidFile(root), "utf8")), daemon.child.pid);
  });

  it("ends an /events request whose `until` is in the past", async () => {
    const reply = await call(daemon.socket, "GET", `/events?since=1&until=${Math.floor(Date.now() / 1000) - 1}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body, "");
  });

  it("forgets an /events listener when its client goes away", async () => {
    const stream = (await docker.getEvents({})) as NodeJS.ReadableStream & { destroy(): void };
    assert.equal((await docker.info()).NEventsListener, 1);
    stream.destroy();
    const deadline = Date.now() + 5000;
    while ((await docker.info()).NEventsListener !== 0) {
      assert.ok(Date.now() < deadline, "the listener was never dropped");
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it("refuses a second daemon on the same root, naming the first", async () => {
    await assert.rejects(startBerthd(root), (err: Error) => {
      assert.match(err.message, /exited with 1/);
      assert.ok(
        err.message.includes(`another berthd (pid ${daemon.child.pid}) is already running with root ${root}`),
        err.message,
      );
      return true;
    });
    assert.equal(String(await docker.ping()), "OK");
  });

  it("shuts down on SIGTERM, ending event streams and removing its socket and pid file", async () => {
    const events = (await docker.getEvents({})) as NodeJS.ReadableStream;
    const streamEnded = new Promise((resolve) => events.once("end", resolve));
    events.resume();
    daemon.child.kill("SIGTERM");
    assert.equal(await daemon.exited, 0);
    await streamEnded;
    assert.equal(existsSync(daemon.socket), false);
    assert.equal(existsSync(pidFile(root)), false);
    assert.equal(alive(daemon.child.pid!), false);
    assert.match(daemon.log(), /SIGTERM: shutting down; containers keep running/);
  });

  it("starts again on a root whose daemon was killed with SIGKILL", async () => {
    daemon = await startBerthd(root);
    daemon.child.kill("SIGKILL");
    await daemon.exited;
    assert.equal(existsSync(daemon.socket), true, "SIGKILL leaves the socket file behind");
    daemon = await startBerthd(root);
    assert.equal(String(await new Docker({ socketPath: daemon.socket }).ping()), "OK");
  });
});

describe("berthd TCP listener (integration)", function () {
  this.timeout(30_000);
  let root: string;
  before(() => (root = tempRoot()));
  after(() => {
    removeRoot(root);
    assert.equal(existsSync(root), false);
  });

  it("serves loopback TCP only when asked, and warns that it is unencrypted", async () => {
    const port = await freePort();
    const daemon = await startBerthd(root, ["--host", `tcp://127.0.0.1:${port}`]);
    try {
      // The daemon's loopback is its test host namespace's (in-test-host.sh): the client runs there too.
      const fetchInfo = `fetch("http://127.0.0.1:${port}/info").then((r) => r.text()).then((t) => process.stdout.write(t))`;
      const info = JSON.parse(inTestHost(root, process.execPath, "-e", fetchInfo)) as { Warnings: string[] };
      assert.deepEqual(info.Warnings, [
        `WARNING: API is accessible on tcp://127.0.0.1:${port} without encryption; any local user can reach it and act as root`,
      ]);
      assert.equal(existsSync(daemon.socket), false, "--host replaces the default socket");
    } finally {
      daemon.child.kill("SIGTERM");
      assert.equal(await daemon.exited, 0);
    }
  });

  it("refuses a TCP address that is not loopback", async () => {
    await assert.rejects(startBerthd(root, ["--host", "tcp://0.0.0.0:2375"]), (err: Error) => {
      assert.match(err.message, /cannot listen on tcp:\/\/0\.0\.0\.0:2375: berthd serves TCP only on a loopback address/);
      return true;
    });
    assert.equal(existsSync(pidFile(root)), false, "a failed start releases the root");
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

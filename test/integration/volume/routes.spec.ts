// The volume endpoints on a real unix socket, in-process (systemRoutes + volumeRoutes), driven by raw HTTP,
// dockerode and the real docker CLI: Docker's shapes, status codes, messages and events.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { endpointsFor } from "../../../src/engine/endpoints.js";
import { EventBus, eventRoutes } from "../../../src/engine/events.js";
import { Router } from "../../../src/engine/router.js";
import { volumeRoutes } from "../../../src/engine/routes/volumes.js";
import { EngineServer } from "../../../src/engine/server.js";
import { systemRoutes } from "../../../src/engine/system.js";
import { VolumeStore } from "../../../src/runtime/volume/store.js";
import { directorySize } from "../../../src/runtime/volume/usage.js";
import { mountsUnder } from "../image/tars.js";

interface Reply {
  status: number;
  body: string;
}

function call(socketPath: string, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { "Content-Type": "application/json" };
    const req = request({ socketPath, method, path, headers, timeout: 5000 }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: text }));
    });
    req.once("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.once("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe("volume routes (integration, in-process engine)", function () {
  this.timeout(20_000);
  let root: string;
  let socket: string;
  let bus: EventBus;
  let server: EngineServer;
  let docker: Docker;
  /** volume name → the containers "using" it. */
  const users = new Map<string, string[]>();

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "berth-volroutes-"));
    socket = join(root, "api.sock");
    bus = new EventBus();
    const volumes = await VolumeStore.open(join(root, "volumes"), { inUse: (name) => users.get(name) ?? [], size: (v) => directorySize(v.Mountpoint) });
    const inventory = { containers: () => ({ running: 0, paused: 0, stopped: 0 }), images: () => 0 };
    const routes = [...systemRoutes({ root, engineId: "volume-test", inventory, bus, warnings: [] }), ...eventRoutes(bus), ...volumeRoutes({ volumes, bus })];
    server = new EngineServer(new Router(endpointsFor(routes)), "berthd/test (linux)");
    await server.listen({ kind: "unix", path: socket });
    docker = new Docker({ socketPath: socket });
  });

  after(async () => {
    bus.close();
    await server.close(1000);
    assert.deepEqual(mountsUnder(root), []);
    rmSync(root, { recursive: true, force: true });
    assert.equal(existsSync(root), false);
  });

  afterEach(async () => {
    users.clear();
    await call(socket, "POST", `/volumes/prune?filters=${encodeURIComponent('{"all":["true"]}')}`);
    assert.deepEqual(readdirSync(join(root, "volumes")), [], "a test left volumes behind");
  });

  it("creates (201, Docker's Volume), returns an existing one unchanged, and emits create once", async () => {
    const since = BigInt(Date.now()) * 1_000_000n;
    const created = await call(socket, "POST", "/v1.50/volumes/create", { Name: "pgdata", Labels: { tier: "db" } });
    assert.equal(created.status, 201);
    const volume = JSON.parse(created.body);
    assert.deepEqual(Object.keys(volume).sort(), ["CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"]);
    assert.deepEqual(
      { ...volume, CreatedAt: "" },
      { CreatedAt: "", Driver: "local", Labels: { tier: "db" }, Mountpoint: join(root, "volumes", "pgdata", "_data"), Name: "pgdata", Options: {}, Scope: "local" },
    );
    const again = await call(socket, "POST", "/volumes/create", { Name: "pgdata" });
    assert.deepEqual([again.status, JSON.parse(again.body).Labels], [201, { tier: "db" }]);
    const events = bus.replay(since, BigInt(Date.now() + 1000) * 1_000_000n).filter((e) => e.Type === "volume");
    assert.deepEqual(events.map((e) => [e.Action, e.Actor.ID, e.Actor.Attributes]), [["create", "pgdata", { driver: "local" }]]);
  });

  it("answers invalid requests with 400 and Docker's messages", async () => {
    const cases: [unknown, string][] = [
      [{ Name: "a" }, "volume name is too short, names should be at least two alphanumeric characters"],
      [{ Name: 7 }, "invalid volume create request: Name must be a string"],
      [{ Name: "v2", Labels: { a: 1 } }, "invalid volume create request: Labels must be an object of strings"],
      [{ Name: "v2", DriverOpts: { type: "ext4", device: "/dev/sda1" } }, "berth's local driver cannot mount type=ext4: it supports type=none with o=bind and device=/host/dir, and type=tmpfs with device=tmpfs"],
    ];
    for (const [body, message] of cases) {
      const reply = await call(socket, "POST", "/volumes/create", body);
      assert.deepEqual([reply.status, JSON.parse(reply.body).message], [400, message]);
    }
    const plugin = await call(socket, "POST", "/volumes/create", { Name: "v2", Driver: "flocker" });
    assert.deepEqual([plugin.status, JSON.parse(plugin.body).message], [404, 'error looking up volume plugin flocker: plugin "flocker" not found']);
    const badFilter = await call(socket, "GET", `/volumes?filters=${encodeURIComponent('{"dangling":["maybe"]}')}`);
    assert.deepEqual([badFilter.status, JSON.parse(badFilter.body).message], [400, "invalid filter 'dangling=maybe': use true, false, 1 or 0"]);
    const unknown = await call(socket, "GET", `/volumes?filters=${encodeURIComponent('{"colour":["red"]}')}`);
    assert.deepEqual([unknown.status, JSON.parse(unknown.body).message], [400, "invalid filter 'colour': valid filters are dangling, driver, label, name"]);
  });

  it("lists with filters and Warnings, inspects, and answers 404 for a missing volume (dockerode)", async () => {
    await docker.createVolume({ Name: "app_db", Labels: { project: "app" } });
    await docker.createVolume({ Name: "app_cache", Labels: { project: "app" } });
    await docker.createVolume({ Name: "lonely" });
    users.set("app_db", ["c1"]);
    const all = await docker.listVolumes();
    assert.deepEqual(all.Warnings, []);
    assert.deepEqual(all.Volumes.map((v) => v.Name).sort(), ["app_cache", "app_db", "lonely"]);
    const names = async (filters: object) => (await docker.listVolumes({ filters: JSON.stringify(filters) })).Volumes.map((v) => v.Name).sort();
    assert.deepEqual(await names({ label: ["project=app"] }), ["app_cache", "app_db"]);
    assert.deepEqual(await names({ name: ["cache"] }), ["app_cache"]);
    assert.deepEqual(await names({ dangling: ["true"] }), ["app_cache", "lonely"]);
    assert.deepEqual(await names({ dangling: { "false": true } }), ["app_db"]);
    const inspected = await docker.getVolume("app_db").inspect();
    assert.deepEqual([inspected.Name, inspected.Labels, inspected.Scope], ["app_db", { project: "app" }, "local"]);
    await assert.rejects(docker.getVolume("nope").inspect(), (err: { statusCode: number; json: { message: string } }) => {
      assert.deepEqual([err.statusCode, err.json.message], [404, "get nope: no such volume"]);
      return true;
    });
  });

  it("removes (204), refuses a volume in use with 409, and force only skips a missing one", async () => {
    await docker.createVolume({ Name: "busy" });
    users.set("busy", ["0123456789ab"]);
    const refused = await call(socket, "DELETE", "/volumes/busy?force=1");
    assert.deepEqual([refused.status, JSON.parse(refused.body).message], [409, "remove busy: volume is in use - [0123456789ab]"]);
    users.clear();
    assert.equal((await call(socket, "DELETE", "/volumes/busy")).status, 204);
    const missing = await call(socket, "DELETE", "/volumes/busy");
    assert.deepEqual([missing.status, JSON.parse(missing.body).message], [404, "get busy: no such volume"]);
    assert.equal((await call(socket, "DELETE", "/volumes/busy?force=true")).status, 204);
  });

  it("prunes unused anonymous volumes, or all unused with all=true, with label filters", async () => {
    const anonymous = (await call(socket, "POST", "/volumes/create", { Labels: { "com.docker.volume.anonymous": "" } }));
    const anonName = JSON.parse(anonymous.body).Name as string;
    writeFileSync(join(root, "volumes", anonName, "_data", "blob"), Buffer.alloc(4096));
    await docker.createVolume({ Name: "named", Labels: { keep: "no" } });
    await docker.createVolume({ Name: "kept", Labels: { keep: "yes" } });
    const first = await call(socket, "POST", "/volumes/prune");
    assert.deepEqual(JSON.parse(first.body), { VolumesDeleted: [anonName], SpaceReclaimed: 4096 });
    const filters = encodeURIComponent(JSON.stringify({ all: ["true"], "label!": ["keep=yes"] }));
    const second = await call(socket, "POST", `/volumes/prune?filters=${filters}`);
    assert.deepEqual(JSON.parse(second.body), { VolumesDeleted: ["named"], SpaceReclaimed: 0 });
    assert.deepEqual((await docker.listVolumes()).Volumes.map((v) => v.Name), ["kept"]);
  });

  it("serves the real docker CLI: volume create, ls, inspect, rm, prune", async function () {
    const config = mkdtempSync(join(tmpdir(), "berth-docker-config-"));
    // Asynchronous: the engine answers from this very process.
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile("docker", args, { timeout: 10_000, env: { PATH: process.env.PATH!, HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${socket}` } },
          (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });
    try {
      if ((await cli("--version")).code !== 0) this.skip();
      const host = join(root, "host-site");
      mkdirSync(host);
      assert.deepEqual(await cli("volume", "create", "--label", "env=dev", "cli-vol"), { code: 0, stdout: "cli-vol\n", stderr: "" });
      assert.equal((await cli("volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", `device=${host}`, "cli-bind")).code, 0);
      assert.equal((await cli("volume", "ls", "--format", "{{.Driver}} {{.Name}}")).stdout, "local cli-bind\nlocal cli-vol\n");
      assert.equal((await cli("volume", "ls", "-q", "--filter", "label=env=dev")).stdout, "cli-vol\n");
      const [inspected] = JSON.parse((await cli("volume", "inspect", "cli-bind")).stdout);
      assert.deepEqual([inspected.Mountpoint, inspected.Options], [host, { type: "none", o: "bind", device: host }]);
      users.set("cli-vol", ["c0ffee"]);
      const refused = await cli("volume", "rm", "cli-vol");
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr, "Error response from daemon: remove cli-vol: volume is in use - [c0ffee]\n");
      users.clear();
      assert.equal((await cli("volume", "rm", "cli-vol")).stdout, "cli-vol\n");
      const pruned = await cli("volume", "prune", "--all", "--force");
      assert.equal(pruned.code, 0, pruned.stderr);
      assert.match(pruned.stdout, /^Deleted Volumes:\ncli-bind\n\nTotal reclaimed space: 0B\n$/);
      assert.equal((await cli("volume", "ls", "-q")).stdout, "");
      assert.ok(existsSync(host), "pruning a bind volume leaves its host directory");
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });
});

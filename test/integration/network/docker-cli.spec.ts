// The real docker CLI (28.2) driving the /networks API of an in-process engine, bridges in a throwaway netns;
// then a whole berthd (in its test host namespace) running containers on networks through the CLI.
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { endpointsFor } from "../../../src/engine/endpoints.js";
import { Router } from "../../../src/engine/router.js";
import { EngineServer } from "../../../src/engine/server.js";
import { networkRoutes } from "../../../src/engine/routes/networks.js";
import { NetworkService } from "../../../src/runtime/network/service.js";
import { BUSYBOX, busyboxArchive, startEngine, stopEngine, type Engine } from "../containers/helpers.js";
import { openSandbox, type Sandbox } from "./sandbox.js";

const run = promisify(execFile);

describe("docker network CLI against the /networks API (integration)", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let networks: NetworkService;
  let server: EngineServer;
  /** The CLI runs as a child process: the engine in this process keeps serving while it waits. */
  const docker = async (...args: string[]) => {
    const host = `unix://${join(box.dir, "api.sock")}`;
    try {
      return (await run("docker", ["-H", host, ...args], { timeout: 10_000 })).stdout;
    } catch (err) {
      throw new Error(`docker ${args.join(" ")}: ${(err as { stderr: string }).stderr.trim()}`);
    }
  };

  before(async function () {
    box = openSandbox();
    networks = await NetworkService.open({ root: join(box.dir, "root"), rtnl: box.host, resolvConf: join(box.dir, "no-resolv.conf") });
    server = new EngineServer(new Router(endpointsFor(networkRoutes({ networks, inUse: () => false }))), "berthd/test (linux)");
    await server.listen({ kind: "unix", path: join(box.dir, "api.sock") });
  });

  after(async function () {
    await server.close(1000);
    await box.close();
  });

  it("creates, lists, inspects and removes networks", async function () {
    const id = (await docker("network", "create", "--subnet", "10.77.0.0/24", "--gateway", "10.77.0.254", "--label", "app=shop",
      "-o", "com.docker.network.driver.mtu=1400", "shop")).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    await docker("network", "create", "--internal", "--attachable", "vault");
    assert.deepEqual((await docker("network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}")).trim().split("\n").sort(),
      ["bridge bridge local", "shop bridge local", "vault bridge local"]);
    assert.equal((await docker("network", "ls", "-q", "--no-trunc", "--filter", "label=app=shop")).trim(), id);
    const [shop] = JSON.parse(await docker("network", "inspect", "shop"));
    assert.deepEqual([shop.IPAM.Config, shop.Options, shop.Labels], [
      [{ Subnet: "10.77.0.0/24", Gateway: "10.77.0.254" }], { "com.docker.network.driver.mtu": "1400" }, { app: "shop" },
    ]);
    assert.equal((await box.host.link(`br-${id.slice(0, 12)}`))?.mtu, 1400);
    assert.equal((await docker("network", "inspect", "-f", "{{.Internal}} {{.Attachable}}", "vault")).trim(), "true true");

    await assert.rejects(docker("network", "create", "-d", "overlay", "o"), /network driver "overlay" is not supported by berthd; the only driver is "bridge"/);
    await assert.rejects(docker("network", "rm", "bridge"), /bridge is a pre-defined network and cannot be removed/);
    assert.equal((await docker("network", "rm", "shop")).trim(), "shop");
    assert.equal((await docker("network", "prune", "-f")).trim(), "Deleted Networks:\nvault");
    assert.deepEqual(networks.list().map((n) => n.Name), ["bridge"]);
  });
});

describe("docker network and docker run --network against berthd (e2e)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let config: string;

  const docker = (...args: string[]) =>
    spawnSync("docker", args, {
      encoding: "utf8",
      timeout: 30_000,
      killSignal: "SIGKILL",
      // A private config dir: no contexts, credential helpers or plugins of the machine's user get in.
      env: { PATH: process.env.PATH!, HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${engine.daemon.socket}` },
    });
  const ok = (...args: string[]) => {
    const r = docker(...args);
    assert.equal(r.status, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  before(async function () {
    config = mkdtempSync(join(tmpdir(), "berth-docker-config-"));
    engine = await startEngine();
    writeFileSync(join(config, "busybox.tar"), await busyboxArchive());
    ok("load", "-i", join(config, "busybox.tar"));
  });

  after(async () => {
    await stopEngine(engine);
    rmSync(config, { recursive: true, force: true });
  });

  it("runs containers on networks the CLI creates, connects, disconnects and removes", () => {
    assert.match(ok("run", "--rm", BUSYBOX, "ip", "route"), /^default via \S+ dev eth0/m, "plain run: the default bridge");
    ok("network", "create", "--subnet", "10.88.5.0/24", "appnet");
    ok("network", "create", "other");
    ok("run", "-d", "--name", "web", "--network", "appnet", "--network-alias", "www", BUSYBOX, "sh", "-c",
      "mkdir /www && echo hello from web > /www/index.html && httpd -p 80 -h /www && exec sleep 300");
    assert.equal(ok("inspect", "-f", "{{.NetworkSettings.Networks.appnet.IPAddress}} {{.NetworkSettings.Networks.appnet.Aliases}}", "web").trim(), "10.88.5.2 [www]");
    const fetch = "for i in $(seq 50); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 10.88.5.2 80 | grep '^hello' && exit 0; sleep 0.1; done; exit 1";
    assert.equal(ok("run", "--rm", "--network", "appnet", "--ip", "10.88.5.77", BUSYBOX, "sh", "-c", `ip -o -4 addr show eth0 | grep -o 10.88.5.77/24; ${fetch}`),
      "10.88.5.77/24\nhello from web\n");

    ok("network", "connect", "--alias", "w2", "other", "web");
    assert.equal(ok("network", "inspect", "-f", "{{range .Containers}}{{.Name}}{{end}}", "other").trim(), "web");
    assert.match(ok("exec", "web", "ip", "-o", "-4", "addr", "show", "eth1"), /inet \d+\.\d+\.\d+\.\d+\/24/);
    assert.equal(ok("inspect", "-f", "{{len .NetworkSettings.Networks}}", "web").trim(), "2");
    ok("network", "disconnect", "other", "web");
    assert.notEqual(docker("exec", "web", "ip", "link", "show", "eth1").status, 0);

    const refused = docker("network", "rm", "appnet");
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /error while removing network: network appnet id [0-9a-f]{64} has active endpoints/);
    ok("rm", "-f", "web");
    assert.equal(ok("network", "rm", "appnet", "other"), "appnet\nother\n");
    assert.equal(ok("network", "ls", "--format", "{{.Name}}"), "bridge\n");
  });
});

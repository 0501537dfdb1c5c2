// The real docker CLI (28.2) driving the /networks API of an in-process engine, bridges in a throwaway netns.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { endpointsFor } from "../../../src/engine/endpoints.js";
import { Router } from "../../../src/engine/router.js";
import { EngineServer } from "../../../src/engine/server.js";
import { networkRoutes } from "../../../src/engine/routes/networks.js";
import { NetworkService } from "../../../src/runtime/network/service.js";
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

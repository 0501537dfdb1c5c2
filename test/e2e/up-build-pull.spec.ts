// `berth up --build` of a project whose Dockerfile's base image is only in a registry (Debian's docker-registry on
// 127.0.0.1, reached from the test berthd's namespace through a portal): the engine pulls the base during the build.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { busyboxArchive, startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { getManifest, openPortal, skopeoPush, startRegistry, type Portal, type Registry } from "../integration/registry/registry.js";
import { runBerthAsync } from "./run-berth.js";

describe("berth up --build with a base image from a registry (e2e, root)", function () {
  this.timeout(120_000);
  let registry: Registry;
  let engine: Engine;
  let portal: Portal;
  let dir: string;

  /** berth in the project (async: the portal berthd reaches the registry through lives in this process) */
  const ok = async (args: string[]) => {
    const r = await runBerthAsync(dir, ["--host", `unix://${engine.daemon.socket}`, "--progress", "plain", ...args]);
    assert.equal(r.status, 0, `berth ${args.join(" ")}:\n${r.stderr}`);
    return r;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "berth-up-build-pull-"));
    registry = await startRegistry();
    writeFileSync(join(dir, "busybox.tar"), await busyboxArchive());
    skopeoPush(join(dir, "busybox.tar"), registry, "base:1");
    engine = await startEngine();
    portal = await openPortal(engine.root, [registry.port]);
    // ends at once on SIGTERM, so down takes no grace period
    const command = ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"];
    writeFileSync(join(dir, "compose.yaml"), JSON.stringify({ name: "pulledbase", services: { app: { build: ".", command, network_mode: "none" } } }));
    writeFileSync(join(dir, "Dockerfile"), `FROM ${registry.host}/base:1\nCOPY message /message\n`);
    writeFileSync(join(dir, "message"), "built on a pulled base\n");
  });

  after(async () => {
    if (engine && dir) await runBerthAsync(dir, ["--host", `unix://${engine.daemon.socket}`, "down"]);
    await portal?.stop();
    if (engine) await stopEngine(engine);
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("up -d --build pulls the base the engine lacks, builds on it and runs the service", async () => {
    await assert.rejects(engine.docker.getImage(`${registry.host}/base:1`).inspect(), /No such image/);
    await ok(["up", "-d", "--build"]);
    const base = await engine.docker.getImage(`${registry.host}/base:1`).inspect();
    const { digest } = await getManifest(registry, "base", "1");
    assert.deepEqual(base.RepoDigests, [`${registry.host}/base@${digest}`]);
    const built = await engine.docker.getImage("pulledbase-app").inspect();
    assert.deepEqual(built.RootFS.Layers!.slice(0, base.RootFS.Layers!.length), base.RootFS.Layers, "the image is built on the pulled base");
    assert.equal((await ok(["exec", "-T", "app", "cat", "/message"])).stdout, "built on a pulled base\n");
    await ok(["down"]);
  });
});

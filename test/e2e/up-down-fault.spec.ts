// Fault test: `berth up` killed with SIGKILL at many points of a 10-service up (and of a recreate); each time the
// next `up` converges to exactly the declared containers, and `down` leaves nothing of the project.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { root, runBerth } from "./run-berth.js";

const SERVICES = 10;

/** Ten services in a depends_on chain on one network, three sharing a named volume; `level` changes them all. */
function stack(level: string): string {
  const services: Record<string, object> = {};
  for (let i = 0; i < SERVICES; i++) {
    services[`s${i}`] = {
      image: "berth/host",
      command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"],
      environment: { LEVEL: level },
      networks: ["net"],
      ...(i > 0 && { depends_on: [`s${i - 1}`] }),
      ...(i < 3 && { volumes: ["data:/data"] }),
    };
  }
  return JSON.stringify({ name: "fault", services, networks: { net: {} }, volumes: { data: {} } });
}

describe("berth up killed at any point converges on the next up (e2e, root)", function () {
  this.timeout(600_000);
  let engine: Engine;
  let dir: string;
  const host = () => ["--host", `unix://${engine.daemon.socket}`];
  const ok = (...args: string[]) => {
    const r = runBerth(dir, [...host(), ...args]);
    assert.equal(r.status, 0, `berth ${args.join(" ")}:\n${r.stderr}`);
    return r;
  };
  const label = { label: ["com.docker.compose.project=fault"] };

  /** Runs `up -d` and kills it with SIGKILL once it has printed `lines` progress lines (or lets it finish). */
  function upKilledAfter(lines: number): Promise<void> {
    const child = spawn(process.execPath, ["--", join(root, "bin/berth.js"), ...host(), "up", "-d"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let seen = 0;
    child.stderr.on("data", (chunk: Buffer) => {
      seen += chunk.toString().split("\n").length - 1;
      if (seen >= lines) child.kill("SIGKILL");
    });
    return new Promise((resolve) => child.once("exit", () => resolve()));
  }

  async function assertConverged(level: string): Promise<void> {
    const containers = await engine.docker.listContainers({ all: true, filters: label });
    assert.deepEqual(containers.map((c) => c.Names[0]).sort(), Array.from({ length: SERVICES }, (_, i) => `/fault-s${i}-1`).sort());
    for (const c of containers) assert.equal(c.State, "running", `${c.Names[0]} runs`);
    const env = await Promise.all(containers.map(async (c) => (await engine.docker.getContainer(c.Id).inspect()).Config.Env));
    for (const vars of env) assert.ok(vars.includes(`LEVEL=${level}`));
  }

  before(async () => {
    engine = await startEngine();
    dir = mkdtempSync(join(tmpdir(), "berth-fault-"));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stopEngine(engine);
  });

  for (const lines of [1, 2, 3, 5, 8, 12, 16, 20, 25, 30]) {
    it(`killed after ${lines} progress lines of a fresh up, then of a recreate: the next up converges, down leaves nothing`, async () => {
      writeFileSync(join(dir, "compose.yaml"), stack("1"));
      await upKilledAfter(lines);
      ok("up", "-d");
      await assertConverged("1");

      writeFileSync(join(dir, "compose.yaml"), stack("2"));
      await upKilledAfter(lines);
      ok("up", "-d");
      await assertConverged("2");
      assert.match(ok("up", "-d").stderr, /nothing to do/);

      ok("down", "-v");
      assert.deepEqual(await engine.docker.listContainers({ all: true, filters: label }), []);
      assert.deepEqual(await engine.docker.listNetworks({ filters: label }), []);
      assert.deepEqual((await engine.docker.listVolumes({ filters: label })).Volumes, []);
    });
  }
});

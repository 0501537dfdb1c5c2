// berthd killed with SIGKILL while containers run: they keep running, and a new berthd on the same root
// finds them all, their logs, and the exit of one that ended meanwhile; crash leftovers are cleaned up.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { cgroupGroup } from "../../../src/engine/daemon.js";
import { alive, startBerthd } from "../engine/berthd.js";
import { isNetns } from "../../../src/runtime/network/netns.js";
import { BUSYBOX, cgroupDirs, demux, loadBusybox, monitorsUnder, startEngine, stopEngine, type Engine } from "./helpers.js";

describe("containers: berthd crash and adoption (integration, root)", function () {
  this.timeout(60_000);
  let engine: Engine;

  before(async () => {
    engine = await startEngine();
    await loadBusybox(engine.docker);
  });
  after(() => stopEngine(engine));

  it("keeps containers running across kill -9 of berthd and adopts them, their logs and exits after restart", async () => {
    const { root } = engine;
    let docker = engine.docker;
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const container = await docker.createContainer({
        Image: BUSYBOX, name: `survivor${i}`, Cmd: ["sh", "-c", `echo hello from ${i}; exec sleep 300`], Labels: { crash: "test" },
      });
      await container.start();
      ids.push(container.id);
    }
    const pids = await Promise.all(ids.map(async (id) => (await docker.getContainer(id).inspect()).State.Pid));

    engine.daemon.child.kill("SIGKILL");
    await engine.daemon.exited;
    assert.ok(pids.every(alive), "every container outlives berthd");
    // Meanwhile: one container ends, a create is cut short, a cgroup is left without a container.
    process.kill(pids[4]!, "SIGKILL");
    mkdirSync(join(root, "containers", ".creating-cut-short"));
    const orphan = join(cgroupDirs(cgroupGroup(root))[0]!, "orphan");
    mkdirSync(orphan);

    engine.daemon = await startBerthd(root);
    docker = engine.docker = new Docker({ socketPath: engine.daemon.socket });
    const listed = await docker.listContainers({ all: true, filters: { label: ["crash=test"] } });
    const byName = new Map(listed.map((c) => [c.Names[0], c]));
    for (let i = 1; i <= 4; i++) assert.equal(byName.get(`/survivor${i}`)?.State, "running", `survivor${i} is running`);
    const ended = await docker.getContainer(ids[4]!).inspect();
    assert.equal(ended.State.Status, "exited");
    assert.equal(ended.State.ExitCode, 137);
    assert.deepEqual(readdirSync(join(root, "containers")).filter((n) => n.startsWith(".")), [], "the cut-short create is rolled back");
    assert.equal(existsSync(orphan), false, "the orphan cgroup is removed");

    const logs = (await docker.getContainer(ids[0]!).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    assert.equal(logs.subarray(8).toString(), "hello from 1\n");
    // The adopted monitors are watched: a stop is seen through to its exit code.
    await docker.getContainer(ids[1]!).stop({ t: 0 });
    assert.equal((await docker.getContainer(ids[1]!).inspect()).State.ExitCode, 137);
    assert.ok(!alive(pids[1]!));
  });

  it("serves dockerode on the restarted daemon through the same socket path", async () => {
    assert.equal(String(await new Docker({ socketPath: engine.daemon.socket }).ping()), "OK");
    const survivors = await engine.docker.listContainers({ filters: { label: ["crash=test"] } });
    assert.equal(survivors.length, 3);
    const first = engine.docker.getContainer(survivors[0]!.Id);
    await first.kill();
    const out = await demux(engine.docker, (await first.logs({ stdout: true, follow: true })) as unknown as NodeJS.ReadableStream);
    assert.match(out.stdout, /^hello from \d\n$/);
  });

  it("rolls back a start that the crash cut short while its process, set up, waited at its gate", async () => {
    const { root } = engine;
    let docker = engine.docker;
    const held = await docker.createContainer({ Image: BUSYBOX, name: "held", Cmd: ["sleep", "300"] });
    await docker.createContainer({ Image: BUSYBOX, name: "never", Cmd: ["true"] });
    const dir = join(root, "containers", held.id);
    const heldMonitors = () => monitorsUnder(root).filter((pid) => readlinkSync(`/proc/${pid}/cwd`) === dir);
    const starting = held.start({ "berth-after": `never@${Date.now()}` } as Docker.ContainerStartOptions).catch(() => undefined);
    for (let i = 0; i < 250 && heldMonitors().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(heldMonitors().length, 1, "the process is set up and held");

    engine.daemon.child.kill("SIGKILL");
    await engine.daemon.exited;
    await starting;
    engine.daemon = await startBerthd(root);
    docker = engine.docker = new Docker({ socketPath: engine.daemon.socket });
    assert.equal((await held.inspect()).State.Status, "created");
    assert.deepEqual(heldMonitors(), [], "its monitor is gone");
    for (const group of cgroupDirs(cgroupGroup(root))) assert.equal(existsSync(join(group, held.id)), false, `its cgroup in ${group} is gone`);
    assert.equal(await isNetns(join(dir, "netns")), false, "its network namespace is gone");
    await docker.getContainer(held.id).start();
    assert.equal((await docker.getContainer(held.id).inspect()).State.Status, "running");
    await docker.getContainer(held.id).remove({ force: true });
  });
});

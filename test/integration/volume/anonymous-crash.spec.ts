// A crash between creating an anonymous volume and finishing its container must not leave the volume
// behind: the store records the container it was made for until that container exists, and the next start
// of berthd removes such a volume when its container does not exist and nothing uses it. Simulated by
// writing that state on disk while berthd is stopped; volumes that containers use, or that outlived their
// container by design (`rm` without -v), are kept.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { ANONYMOUS_LABEL } from "../../../src/runtime/volume/store.js";
import { BUSYBOX, loadBusybox, startEngine, stopEngine, type Engine } from "../containers/helpers.js";

describe("volumes: anonymous volumes of an unfinished container create (integration, root)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;

  before(async () => {
    engine = await startEngine();
    docker = engine.docker;
    await loadBusybox(docker);
  });
  after(() => stopEngine(engine));

  const recordPath = (name: string) => join(engine.root, "volumes", name, "volume.json");
  const readRecord = (name: string) => JSON.parse(readFileSync(recordPath(name), "utf8")) as Record<string, unknown>;
  const editRecord = (name: string, changes: Record<string, unknown>) => writeFileSync(recordPath(name), JSON.stringify({ ...readRecord(name), ...changes }));
  const anonymousOf = async (container: Docker.Container) => (await container.inspect()).Mounts.find((m) => m.Destination === "/anon")!.Name!;

  it("removes, at the next start, an anonymous volume whose container was never created, and keeps every other", async () => {
    // A finished create leaves no mark on its anonymous volume.
    const finished = await docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], Volumes: { "/anon": {} } });
    const finishedVolume = await anonymousOf(finished);
    assert.equal("CreatedFor" in readRecord(finishedVolume), false);
    // A VolumesFrom container shares an anonymous volume that outlives its owner.
    const owner = await docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], Volumes: { "/anon": {} } });
    const shared = await anonymousOf(owner);
    const sharer = await docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], HostConfig: { VolumesFrom: [owner.id] } });
    await owner.remove();
    // An anonymous volume whose container was removed without -v stays, as in Docker (prune removes it).
    const gone = await docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], Volumes: { "/anon": {} } });
    const dangling = await anonymousOf(gone);
    await gone.remove();

    engine.daemon.child.kill("SIGTERM");
    assert.equal(await engine.daemon.exited, 0);
    // The crash states: a volume made for a container that never came to exist; the mark left on a volume
    // whose container does exist (the crash came after the container, before the mark was cleared); and the
    // mark of a missing container on a volume another container uses.
    const orphan = "0f".repeat(32);
    mkdirSync(join(engine.root, "volumes", orphan, "_data"), { recursive: true });
    writeFileSync(join(engine.root, "volumes", orphan, "_data", "half-copied"), "x");
    writeFileSync(recordPath(orphan), JSON.stringify({
      Name: orphan, Driver: "local", CreatedAt: "2026-11-30T00:00:00Z", Labels: { [ANONYMOUS_LABEL]: "" }, Options: {}, CreatedFor: "ab".repeat(32),
    }));
    editRecord(finishedVolume, { CreatedFor: finished.id });
    editRecord(shared, { CreatedFor: "cd".repeat(32) });
    engine = await startEngine(engine.root);
    docker = engine.docker;

    const names = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name).sort();
    assert.deepEqual(names, [finishedVolume, shared, dangling].sort(), "only the orphan is gone");
    assert.equal(existsSync(join(engine.root, "volumes", orphan)), false, "its directory is gone from the store");
    for (const name of [finishedVolume, shared]) assert.equal("CreatedFor" in readRecord(name), false, `${name} no longer records a container`);
    // The shared volume is still in use by the VolumesFrom container, whose owner is gone.
    await assert.rejects(docker.getVolume(shared).remove(), (err: { statusCode: number }) => err.statusCode === 409);
    for (const c of [finished, sharer]) await docker.getContainer(c.id).remove();
    for (const name of names) await docker.getVolume(name).remove();
  });
});

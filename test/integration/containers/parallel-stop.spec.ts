// Many containers stopped at once: berthd must survive a burst of process exits (each one resolves a native
// pidfd wait and reaps a monitor on the loop thread) and every container must end up exited.
import assert from "node:assert/strict";
import { BUSYBOX, monitorsUnder, useEngine, type Engine } from "./helpers.js";

const COUNT = 50;

describe("containers: 50 parallel stops (integration, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  useEngine((started) => (engine = started));

  it("stops 50 running containers at once and berthd stays up", async () => {
    const { docker, daemon, root } = engine;
    const containers = await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        docker.createContainer({ Image: BUSYBOX, name: `sleeper-${i}`, Cmd: ["sleep", "600"], HostConfig: { Init: true } })),
    );
    await Promise.all(containers.map((c) => c.start()));
    assert.equal((await docker.listContainers()).length, COUNT);

    await Promise.all(containers.map((c) => c.stop({ t: 5 })));

    assert.equal(daemon.child.exitCode, null, `berthd died:\n${daemon.log()}`);
    const states = await Promise.all(containers.map(async (c) => (await c.inspect()).State.Status));
    assert.deepEqual(new Set(states), new Set(["exited"]));
    assert.deepEqual(monitorsUnder(root), [], "every monitor ended with its container");
    await Promise.all(containers.map((c) => c.remove()));
  });
});

// docker commit and docker diff on an isolated berthd (run from source, as the integration tests run it): a
// running container that wrote FILES files (SIZE bytes each) is committed again and again; prints the time of a
// commit, how long the container stayed frozen (from its pause and unpause events), and of a diff.
// Prints figures; asserts nothing. Run: npx tsx bench/commit.ts [runs]
import type { Duplex } from "node:stream";
import { loadBusybox, startEngine, stopEngine } from "../test/integration/containers/helpers.js";

const runs = Number(process.argv[2] ?? 10);
const FILES = 200;
const SIZE = 64 * 1024;

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms  min ${sorted[0]!.toFixed(1)} ms  (${samples.length} runs)`;
}

const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

const engine = await startEngine();
try {
  const { docker } = engine;
  await loadBusybox(docker);
  const c = await docker.createContainer({
    Image: "busybox:latest",
    Cmd: ["sh", "-c", `mkdir /data && for i in $(seq ${FILES}); do head -c ${SIZE} /dev/urandom > /data/f$i; done; touch /ready; exec sleep 1000`],
    HostConfig: { NetworkMode: "none" },
  });
  await c.start();
  while (!((await c.changes()) as { Path: string }[]).some((change) => change.Path === "/ready")) await new Promise((r) => setTimeout(r, 50));

  const events = (await docker.getEvents({ filters: { type: ["container"], container: [c.id] } })) as unknown as Duplex;
  const frozenAt = new Map<string, number>();
  const frozen: number[] = [];
  events.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) {
      const event = JSON.parse(line) as { Action: string; timeNano: number };
      if (event.Action === "pause") frozenAt.set("start", event.timeNano);
      if (event.Action === "unpause") frozen.push((event.timeNano - frozenAt.get("start")!) / 1e6);
    }
  });

  const commits: number[] = [];
  const diffs: number[] = [];
  for (let i = 0; i < runs; i++) {
    let start = process.hrtime.bigint();
    const { Id } = (await c.commit({})) as { Id: string };
    commits.push(since(start));
    await docker.getImage(Id).remove();
    start = process.hrtime.bigint();
    await c.changes();
    diffs.push(since(start));
  }
  await new Promise((r) => setTimeout(r, 200)); // the last unpause event
  events.destroy();
  console.log(`commit of a running container with ${FILES} files of ${SIZE / 1024} KiB (${(FILES * SIZE) / 2 ** 20} MiB): ${summary(commits)}`);
  console.log(`  of which frozen (pause to unpause): ${summary(frozen)}`);
  console.log(`diff of the same container: ${summary(diffs)}`);
  await c.remove({ force: true });
} finally {
  await stopEngine(engine);
}

// Healthcheck and restart latency against an isolated berthd (from the sources, as the tests run it): start→healthy
// of a container whose probe is `true` with a 1 s interval (the first probe runs at once; dockerd waits the interval),
// and exit→restarted of an `always` container after its first 100 ms back-off.
// Prints figures; asserts nothing. Run: npx tsx bench/health.ts [runs]
import type { Duplex } from "node:stream";
import Docker from "dockerode";
import { removeRoot, startBerthd, tempRoot } from "../test/integration/engine/berthd.js";

const runs = Number(process.argv[2] ?? 20);
const IMAGE = "berth/host";

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(1)} ms  p95 ${at(0.95).toFixed(1)} ms  min ${sorted[0]!.toFixed(1)} ms  (${samples.length} runs)`;
}

/** Resolves with the time (hrtime, ms) at which the container's event `action` arrives the `count`-th time. */
async function eventAt(docker: Docker, id: string, action: string, count = 1): Promise<{ arrived: Promise<number>; stop: () => void }> {
  const stream = (await docker.getEvents({ filters: { container: [id] } })) as unknown as Duplex;
  const arrived = new Promise<number>((resolve) => {
    let text = "";
    let seen = 0;
    stream.on("data", (chunk: Buffer) => {
      text += chunk;
      const lines = text.split("\n");
      text = lines.pop()!;
      for (const line of lines) if ((JSON.parse(line) as { Action: string }).Action === action && ++seen === count) resolve(performance.now());
    });
  });
  return { arrived, stop: () => stream.destroy() };
}

async function startToHealthy(docker: Docker): Promise<number> {
  const container = await docker.createContainer({ Image: IMAGE, Cmd: ["sleep", "60"], Healthcheck: { Test: ["CMD", "true"], Interval: 1e9 } });
  const healthy = await eventAt(docker, container.id, "health_status: healthy");
  const start = performance.now();
  await container.start();
  const took = (await healthy.arrived) - start;
  healthy.stop();
  await container.remove({ force: true });
  return took;
}

async function exitToRestarted(docker: Docker): Promise<number> {
  const container = await docker.createContainer({ Image: IMAGE, Cmd: ["sleep", "60"], HostConfig: { RestartPolicy: { Name: "always" } } });
  await container.start();
  const restarted = await eventAt(docker, container.id, "start");
  const { Pid } = (await container.inspect()).State;
  const start = performance.now();
  process.kill(Pid, "SIGKILL"); // a crash: the policy applies
  const took = (await restarted.arrived) - start;
  restarted.stop();
  await container.remove({ force: true });
  return took;
}

const root = tempRoot();
const daemon = await startBerthd(root);
const docker = new Docker({ socketPath: daemon.socket });
try {
  const healthy: number[] = [];
  const restarted: number[] = [];
  for (let i = -2; i < runs; i++) {
    const toHealthy = await startToHealthy(docker);
    const toRestarted = await exitToRestarted(docker);
    if (i < 0) continue; // the first two warm up
    healthy.push(toHealthy);
    restarted.push(toRestarted);
  }
  console.log(`start → healthy (interval 1 s)            ${summary(healthy)}`);
  console.log(`crash → restarted (always, 100 ms back-off) ${summary(restarted)}`);
} finally {
  const exited = daemon.exited;
  daemon.child.kill("SIGTERM");
  await exited;
  removeRoot(root);
}

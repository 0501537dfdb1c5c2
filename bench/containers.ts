// Container latency and footprint against an isolated berthd: create→start→exit→delete of `true` through
// the API, `docker run --rm berth/host true`, monitor RSS per running container, berthd's idle RSS.
// berthd runs compiled (bin/berth.js daemon, as users run it; `npm run build` first).
// Prints figures; asserts nothing. Run: npx tsx bench/containers.ts [runs]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { localSocket } from "../src/engine/config.js";
import { removeRoot } from "../test/integration/engine/berthd.js";
import { startDaemon } from "./daemon.js";
import { lifecycleRound } from "./lifecycle.js";

const runs = Number(process.argv[2] ?? 100);
const IMAGE = "berth/host";

const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
/** User plus system CPU time of a process in ms (clock ticks of 10 ms): steadier than wall time on a busy machine. */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(1)} ms  p95 ${at(0.95).toFixed(1)} ms  min ${sorted[0]!.toFixed(1)} ms  (${samples.length} runs)`;
}

/** The round trips' figures, with berthd's CPU time per round trip. */
async function measured(pid: number, roundTrips: () => Promise<number[]>): Promise<string> {
  const cpuBefore = cpuMs(pid);
  const samples = await roundTrips();
  return `${summary(samples)}  berthd CPU ${((cpuMs(pid) - cpuBefore) / samples.length).toFixed(1)} ms each`;
}

async function apiRoundTrips(docker: Docker, hostConfig: Docker.HostConfig = {}): Promise<number[]> {
  const samples: number[] = [];
  for (let i = -3; i < runs; i++) {
    const ms = await lifecycleRound(docker, hostConfig);
    if (i >= 0) samples.push(ms); // the first three warm up
  }
  return samples;
}

function dockerRuns(socket: string, count: number): number[] {
  const config = mkdtempSync(join(tmpdir(), "berth-bench-docker-"));
  const env = { PATH: process.env.PATH!, HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${socket}` };
  try {
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = process.hrtime.bigint();
      const run = spawnSync("docker", ["run", "--rm", IMAGE, "true"], { env, encoding: "utf8", timeout: 30_000, killSignal: "SIGKILL" });
      if (run.status !== 0) throw new Error(`docker run failed: ${run.stderr}`);
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return samples;
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
}

const root = mkdtempSync(join(tmpdir(), "berth-bench-root-"));
const daemon = await startDaemon(root);
const socket = localSocket(root);
const docker = new Docker({ socketPath: socket });
try {
  await new Promise((r) => setTimeout(r, 1000)); // let start-up garbage be collected before measuring idle
  console.log(`berthd idle RSS                          ${(rssKiB(daemon.pid!) / 1024).toFixed(1)} MiB`);
  console.log(`create→start→exit→delete of true (API)   ${await measured(daemon.pid!, () => apiRoundTrips(docker))}`);
  // The same without an endpoint: the difference is the default bridge's share (netns, veth, address, route, teardown).
  console.log(`the same with --network none             ${await measured(daemon.pid!, () => apiRoundTrips(docker, { NetworkMode: "none" }))}`);
  if (!spawnSync("docker", ["--version"]).error) {
    console.log(`docker run --rm ${IMAGE} true             ${summary(dockerRuns(socket, Math.min(runs, 20)))}`);
  }
  const sleepers = [];
  for (let i = 0; i < 5; i++) {
    const container = await docker.createContainer({ Image: IMAGE, Cmd: ["sleep", "60"] });
    await container.start();
    sleepers.push(container);
  }
  const monitors = await Promise.all(sleepers.map(async (c) => rssKiB(Number(readFileSync(join(root, "containers", c.id, "monitor.pid"), "utf8")))));
  console.log(`monitor RSS per running container        ${monitors.map((kib) => `${kib} KiB`).join(", ")}`);
  console.log(`berthd RSS with 5 running containers     ${(rssKiB(daemon.pid!) / 1024).toFixed(1)} MiB`);
  for (const container of sleepers) await container.remove({ force: true });
} finally {
  const exited = new Promise((done) => daemon.once("exit", done));
  daemon.kill("SIGTERM");
  await exited;
  removeRoot(root);
}

// `berth up -d --wait` and `berth down` of four compose stacks, timed as whole CLI processes (what a user waits
// for, Node start-up included) against an isolated compiled berthd in a throwaway host network namespace.
// `npm run build` first. Prints median and min per stack; asserts nothing. Run: npx tsx bench/stacks.ts [runs] [stack...]
//
// Services are long-running and honest about stopping: `sleep` or `python3 -m http.server` as PID 1 of a pid
// namespace ignore SIGTERM (the kernel drops default-action signals to a namespace's init, as with Docker), so
// every service sets `init: true`, as a compose user would; without it each `down` waits out the stop timeout.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localSocket } from "../src/engine/config.js";
import { removeRoot } from "../test/integration/engine/berthd.js";
import { BERTH, startDaemon } from "./daemon.js";

const runs = Number(process.argv[2] ?? 10);
const only = process.argv.slice(3);
const IMAGE = "berth/host";

type Service = Record<string, unknown>;
const sleeper = (extra: Service = {}): Service => ({ image: IMAGE, init: true, command: ["sleep", "infinity"], ...extra });
const web = (extra: Service = {}): Service => ({ image: IMAGE, init: true, command: ["python3", "-m", "http.server", "8000"], ...extra });

const stacks: Record<string, object> = {
  one: { services: { web: web() } },
  // A depends_on chain s0 ← s1 ← … ← web on one network; s0..s2 share a named volume; web is published.
  ten: {
    services: Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => {
        const name = i === 9 ? "web" : `s${i}`;
        const base = { networks: ["back"], ...(i > 0 && { depends_on: [i === 9 ? "s8" : `s${i - 1}`] }), ...(i < 3 && { volumes: ["data:/data"] }) };
        return [name, i === 9 ? web({ ...base, ports: ["127.0.0.1::8000"] }) : sleeper(base)];
      }),
    ),
    networks: { back: {} },
    volumes: { data: {} },
  },
  fifty: { services: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`s${i}`, sleeper()])) },
  // db ← api ← web, each gated on the previous one's health; the probe is a cheap exec so that the chain's own cost shows.
  healthy: {
    services: Object.fromEntries(
      ["db", "api", "web"].map((name, i, all) => [
        name,
        sleeper({
          healthcheck: { test: ["CMD", "true"], interval: "1s" },
          ...(i > 0 && { depends_on: { [all[i - 1]!]: { condition: "service_healthy" } } }),
        }),
      ]),
    ),
  },
};

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs berth once and returns its wall time in ms; throws with its output if it fails. */
function timeBerth(cwd: string, socket: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ["--", BERTH, "--host", `unix://${socket}`, ...args], {
    cwd, encoding: "utf8", timeout: 120_000, killSignal: "SIGKILL", env: { PATH: process.env.PATH!, HOME: cwd, CI: "1" },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`berth ${args.join(" ")} failed (${run.status}):\n${run.stdout}${run.stderr}`);
  return ms;
}

const root = mkdtempSync(join(tmpdir(), "berth-bench-root-"));
const projects = mkdtempSync(join(tmpdir(), "berth-bench-stacks-"));
const daemon = await startDaemon(root);
const socket = localSocket(root);
try {
  console.log("CLI start: berth ps on an empty project   " + `median ${median(Array.from({ length: runs }, () => timeBerth(projects, socket, ["-p", "empty", "ps"]))).toFixed(0)} ms`);
  for (const [name, stack] of Object.entries(stacks)) {
    if (only.length > 0 && !only.includes(name)) continue;
    const dir = join(projects, name);
    spawnSync("mkdir", ["-p", dir]);
    writeFileSync(join(dir, "compose.yaml"), JSON.stringify({ name: `bench-${name}`, ...stack }));
    const ups: number[] = [];
    const downs: number[] = [];
    for (let i = -1; i < runs; i++) {
      const up = timeBerth(dir, socket, ["up", "-d", "--wait"]);
      const down = timeBerth(dir, socket, ["down", "-v"]);
      if (i >= 0) ups.push(up), downs.push(down); // the first round warms up caches
    }
    console.log(
      `${name.padEnd(8)} up -d --wait  median ${median(ups).toFixed(0).padStart(5)} ms  min ${Math.min(...ups).toFixed(0).padStart(5)} ms   ` +
        `down  median ${median(downs).toFixed(0).padStart(5)} ms  min ${Math.min(...downs).toFixed(0).padStart(5)} ms   (${runs} runs)`,
    );
  }
} finally {
  const exited = new Promise((done) => daemon.once("exit", done));
  daemon.kill("SIGTERM");
  await exited;
  removeRoot(root);
  rmSync(projects, { recursive: true, force: true });
}

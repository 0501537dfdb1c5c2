// The four compose stacks shaped like the anchors' (issue #6), and the timing of one berth CLI run, shared by
// bench/stacks.ts and bench/compare.ts.
//
// Services are long-running and honest about stopping: `sleep` or `python3 -m http.server` as PID 1 of a pid
// namespace ignore SIGTERM (the kernel drops default-action signals to a namespace's init, as with Docker), so
// every service sets `init: true`, as a compose user would; without it each `down` waits out the stop timeout.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const IMAGE = "berth/host";

type Service = Record<string, unknown>;
const sleeper = (extra: Service = {}): Service => ({ image: IMAGE, init: true, command: ["sleep", "infinity"], ...extra });
const web = (extra: Service = {}): Service => ({ image: IMAGE, init: true, command: ["python3", "-m", "http.server", "8000"], ...extra });

export const STACKS: Record<string, object> = {
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

/** Writes stack `name`'s compose.yaml in a directory of its own under `parent`; returns the directory. */
export function writeStack(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "compose.yaml"), JSON.stringify({ name: `bench-${name}`, ...STACKS[name] }));
  return dir;
}

export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `berth` (a checkout's bin/berth.js) once and returns its wall time in ms; throws with its output if it fails. */
export function timeBerth(berth: string, cwd: string, socket: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ["--", berth, "--host", `unix://${socket}`, ...args], {
    cwd, encoding: "utf8", timeout: 120_000, killSignal: "SIGKILL", env: { PATH: process.env.PATH!, HOME: cwd, CI: "1" },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`berth ${args.join(" ")} failed (${run.status}):\n${run.stdout}${run.stderr}`);
  return ms;
}

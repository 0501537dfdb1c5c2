// This checkout against another one, interleaved: `berth up -d --wait` and `berth down` of the stacks of
// bench/stack-files.ts, each checkout's CLI against its own berthd, one round of each in turn; or, named as
// `lifecycle` and `lifecycle-none`, bench/lifecycle.ts's round through the API (in the `up` column). On a machine whose
// speed drifts (this VM's by ±30 % within an hour) only such side-by-side figures compare two builds; figures of
// runs made at different times do not. Both checkouts built (`npm install`, or `npm run build` after a change);
// the other is typically a worktree of an earlier commit: git worktree add /tmp/base REV && (cd /tmp/base && npm install)
// Prints medians and minimums per checkout and stack; asserts nothing.
// Run: npx tsx bench/compare.ts OTHER_CHECKOUT [runs] [stack...]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ChildProcess } from "node:child_process";
import { localSocket } from "../src/engine/config.js";
import { removeRoot } from "../test/integration/engine/berthd.js";
import { BERTH, startDaemon } from "./daemon.js";
import { lifecycleRound, LIFECYCLES } from "./lifecycle.js";
import { median, STACKS, timeBerth, writeStack } from "./stack-files.js";
import Docker from "dockerode";

const [other, runsArg, ...only] = process.argv.slice(2);
if (!other) throw new Error("usage: npx tsx bench/compare.ts OTHER_CHECKOUT [runs] [stack...]");
const runs = Number(runsArg ?? 10);

interface Side {
  label: string;
  berth: string;
  root: string;
  projects: string;
  daemon?: ChildProcess;
}

const sides: Side[] = [
  { label: "this", berth: BERTH },
  { label: resolve(other), berth: resolve(other, "bin/berth.js") },
].map((s) => ({ ...s, root: mkdtempSync(join(tmpdir(), "berth-bench-root-")), projects: mkdtempSync(join(tmpdir(), "berth-bench-stacks-")) }));
try {
  for (const side of sides) side.daemon = await startDaemon(side.root, side.berth);
  const names = [...Object.keys(STACKS), ...Object.keys(LIFECYCLES)].filter((n) => (only.length > 0 ? only.includes(n) : n in STACKS));
  for (const name of names) {
    const hostConfig = LIFECYCLES[name];
    const figures = sides.map((side) => ({
      side, dir: hostConfig ? "" : writeStack(side.projects, name), docker: new Docker({ socketPath: localSocket(side.root) }),
      ups: [] as number[], downs: [] as number[],
    }));
    for (let i = -1; i < runs; i++) {
      for (const f of figures) {
        const socket = localSocket(f.side.root);
        if (hostConfig) {
          const ms = await lifecycleRound(f.docker, hostConfig);
          if (i >= 0) f.ups.push(ms);
          continue;
        }
        const up = timeBerth(f.side.berth, f.dir, socket, ["up", "-d", "--wait"]);
        const down = timeBerth(f.side.berth, f.dir, socket, ["down", "-v"]);
        if (i >= 0) f.ups.push(up), f.downs.push(down); // the first round warms up caches
      }
    }
    for (const f of figures) {
      const figure = (samples: number[]) =>
        `median ${median(samples).toFixed(hostConfig ? 1 : 0).padStart(5)} ms  min ${Math.min(...samples).toFixed(hostConfig ? 1 : 0).padStart(5)} ms`;
      const phases = hostConfig ? `create→start→exit→delete ${figure(f.ups)}` : `up ${figure(f.ups)}   down ${figure(f.downs)}`;
      console.log(`${name.padEnd(8)} ${phases}   ${f.side.label} (${runs} runs)`);
    }
  }
} finally {
  for (const side of sides) {
    if (side.daemon) {
      const exited = new Promise((done) => side.daemon!.once("exit", done));
      side.daemon.kill("SIGTERM");
      await exited;
    }
    removeRoot(side.root);
    rmSync(side.projects, { recursive: true, force: true });
  }
}

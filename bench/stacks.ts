// `berth up -d --wait` and `berth down` of four compose stacks (bench/stack-files.ts), timed as whole CLI processes
// (what a user waits for, Node start-up included) against an isolated compiled berthd in a throwaway host network
// namespace. `npm run build` first. Prints median and min per stack; asserts nothing.
// Run: npx tsx bench/stacks.ts [runs] [stack...]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localSocket } from "../src/engine/config.js";
import { removeRoot } from "../test/integration/engine/berthd.js";
import { BERTH, startDaemon } from "./daemon.js";
import { median, STACKS, timeBerth, writeStack } from "./stack-files.js";

const runs = Number(process.argv[2] ?? 10);
const only = process.argv.slice(3);

const root = mkdtempSync(join(tmpdir(), "berth-bench-root-"));
const projects = mkdtempSync(join(tmpdir(), "berth-bench-stacks-"));
const daemon = await startDaemon(root);
const socket = localSocket(root);
try {
  console.log("CLI start: berth ps on an empty project   " + `median ${median(Array.from({ length: runs }, () => timeBerth(BERTH, projects, socket, ["-p", "empty", "ps"]))).toFixed(0)} ms`);
  for (const name of Object.keys(STACKS)) {
    if (only.length > 0 && !only.includes(name)) continue;
    const dir = writeStack(projects, name);
    const ups: number[] = [];
    const downs: number[] = [];
    for (let i = -1; i < runs; i++) {
      const up = timeBerth(BERTH, dir, socket, ["up", "-d", "--wait"]);
      const down = timeBerth(BERTH, dir, socket, ["down", "-v"]);
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

// berthd's start-up: time from spawn to "listening", on a fresh root and again on the same root (as `berth`
// auto-starts it; every test file starts several). `npm run build` first. Prints medians; asserts nothing.
// Run: npx tsx bench/daemon-start.ts [runs]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeRoot } from "../test/integration/engine/berthd.js";
import { startDaemon } from "./daemon.js";

const runs = Number(process.argv[2] ?? 5);

/** Starts berthd on `root`, returns the ms until it listened, and stops it again. */
async function timeStart(root: string): Promise<number> {
  const start = process.hrtime.bigint();
  const daemon = await startDaemon(root);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const exited = new Promise((done) => daemon.once("exit", done));
  daemon.kill("SIGTERM");
  await exited;
  return ms;
}

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

const fresh: number[] = [];
const existing: number[] = [];
for (let i = 0; i < runs; i++) {
  const root = mkdtempSync(join(tmpdir(), "berth-bench-start-"));
  try {
    fresh.push(await timeStart(root));
    existing.push(await timeStart(root));
  } finally {
    removeRoot(root);
  }
}
console.log(`berthd start to listening: fresh root median ${median(fresh).toFixed(0)} ms (min ${Math.min(...fresh).toFixed(0)}), existing root median ${median(existing).toFixed(0)} ms (min ${Math.min(...existing).toFixed(0)})   (${runs} runs)`);

// Suite-level teardown: after every test of the run, nothing the runtime makes may be left behind —
// no berth-monitor or test berthd process, no container cgroup, no mount in a temp dir, no new temp dir.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_ROOT } from "../src/engine/config.js";
import { cgroupGroup } from "../src/engine/daemon.js";

const TEMP = tmpdir();

function processes(): { pid: number; exe: string; cmdline: string; cwd: string }[] {
  return readdirSync("/proc").filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const read = (what: string) => readlinkSync(`/proc/${p}/${what}`);
      return [{ pid: Number(p), exe: read("exe"), cwd: read("cwd"), cmdline: readFileSync(`/proc/${p}/cmdline`, "utf8").replace(/\0/g, " ") }];
    } catch {
      return []; // gone meanwhile, or a kernel thread
    }
  });
}

/** Container cgroup groups of test daemons (a real berthd on the default root may run on this machine). */
function testCgroupGroups(): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (/^berth-[0-9a-f]{12}$/.test(entry.name) && entry.name !== cgroupGroup(DEFAULT_ROOT)) found.push(join(dir, entry.name));
      else walk(join(dir, entry.name), depth + 1);
    }
  };
  walk("/sys/fs/cgroup", 0);
  return found;
}

const berthTempDirs = () => readdirSync(TEMP).filter((name) => name.startsWith("berth"));

// what was there before the run is not the suite's doing (a machine may keep an earlier run's leftovers)
const before = new Set(berthTempDirs());
const cgroupsBefore = new Set(testCgroupGroups());

after("the whole suite left nothing behind", function () {
  const leaked = processes().filter(
    (p) => (p.exe.endsWith("/berth-monitor") && p.cwd.startsWith(TEMP)) || p.cmdline.includes("run-daemon.ts"),
  );
  assert.deepEqual(leaked.map((p) => `${p.pid} ${p.cmdline}`), [], "processes left running");
  assert.deepEqual(testCgroupGroups().filter((dir) => !cgroupsBefore.has(dir)), [], "cgroups left behind");
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((line) => line.split(" ")[4]?.startsWith(`${TEMP}/`));
  assert.deepEqual(mounts, [], "mounts left in temp directories");
  assert.deepEqual(berthTempDirs().filter((name) => !before.has(name)), [], "temp directories left behind");
});

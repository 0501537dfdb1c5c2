// spawnDetached against the real kernel: what the program inherits, that it is reaped, that it outlives its spawner.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

import { pidfdOpen, pidfdSendSignal, spawnDetached, waitPid } from "../../src/runtime/native.js";

const ADDON = fileURLToPath(new URL("../../native/build/Release/berth_native.node", import.meta.url));

/** Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, session, ...]. */
function stat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Kills `pid` (if it still runs) and waits until it has exited. */
async function kill(pid: number): Promise<void> {
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch {
    return; // gone already
  }
  try {
    const exited = waitPid(pid);
    pidfdSendSignal(fd, 9);
    await exited;
  } finally {
    closeSync(fd);
  }
}

/** Waits until no process `pid` is left, zombie or not, that is our child (the reaper runs on the event loop). */
async function reaped(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    const fields = stat(pid);
    if (fields === undefined || Number(fields[1]) !== process.pid) return true;
    await sleep(10);
  }
  return false;
}

describe("spawnDetached", () => {
  it("starts the program in its own session with only stdio open, signals at their defaults, and returns its stdout", async () => {
    // The signal state is read by the program the shell execs into: a shell blocks every signal while it forks
    // a command, so reading the shell's own status from a child would catch that mask instead.
    const script = 'echo "$$"; readlink /proc/$$/fd/0 /proc/$$/fd/2; ls /proc/$$/fd; exec grep -E "^Sig(Ign|Blk):" /proc/self/status';
    const { pid, output } = await spawnDetached("/bin/sh", ["sh", "-c", script]);
    const [shellPid, stdin, stderr, ...rest] = output.trimEnd().split("\n");
    assert.equal(Number(shellPid), pid);
    assert.equal(stdin, "/dev/null");
    assert.equal(stderr, "/dev/null");
    const fds = rest.filter((line) => /^\d+$/.test(line)).map(Number);
    assert.deepEqual(fds, [0, 1, 2], "descriptors of the spawner leaked into the program");
    // Node ignores SIGPIPE; the program must not inherit that, nor a blocked signal.
    assert.ok(rest.includes("SigIgn:\t0000000000000000"), output);
    assert.ok(rest.includes("SigBlk:\t0000000000000000"), output);
    assert.ok(await reaped(pid), `process ${pid} was left a zombie`);
  });

  it("runs the program as a session leader and reaps it once it ends", async () => {
    const { pid, output } = await spawnDetached("/bin/sh", ["sh", "-c", "echo started; exec sleep 30 >/dev/null"]);
    try {
      assert.equal(output, "started\n");
      const fields = stat(pid)!;
      assert.equal(Number(fields[3]), pid, "the program is not its session's leader");
      assert.equal(Number(fields[1]), process.pid);
    } finally {
      await kill(pid);
    }
    assert.ok(await reaped(pid), `process ${pid} was left a zombie`);
  });

  it("leaves the program running when its spawner is killed with SIGKILL", async () => {
    const code = `
      const { spawnDetached } = require(${JSON.stringify(ADDON)});
      spawnDetached("/bin/sh", ["sh", "-c", "echo $$; exec sleep 30 >/dev/null"]).then((r) => process.stdout.write(r.output));
      setInterval(() => {}, 1000);`;
    const spawner = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    const spawnerExit = new Promise((resolve) => spawner.once("exit", resolve));
    let pid = 0;
    try {
      pid = await new Promise<number>((resolve, reject) => {
        spawner.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString())));
        spawner.once("exit", () => reject(new Error("the spawner ended before reporting")));
      });
      spawner.kill("SIGKILL");
      await spawnerExit;
      const fields = stat(pid);
      assert.ok(fields, `process ${pid} ended with its spawner`);
      assert.notEqual(fields[0], "Z");
      assert.notEqual(Number(fields[1]), spawner.pid, "the program was not reparented");
    } finally {
      spawner.kill("SIGKILL");
      await spawnerExit;
      if (pid > 0) await kill(pid);
    }
  });

  it("rejects with ENOENT for a missing program, starting nothing", async () => {
    await assert.rejects(spawnDetached("/nonexistent/berth-monitor", ["berth-monitor"]), { code: "ENOENT", syscall: "spawn" });
  });
});

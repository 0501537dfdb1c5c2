// berthd's nft shell: transactions through one long-lived shell, checked against real nft in a throwaway netns.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { NftShell } from "../../../src/runtime/network/nft-shell.js";
import { openSandbox, type Sandbox } from "./sandbox.js";

/** Our nft shells: this process's `sh` children, dead ones not yet reaped by Node included. */
function shells(): number[] {
  const out = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
  return out.split("\n").map((line) => line.trim().split(/\s+/)).filter(([, comm]) => comm === "sh").map(([pid]) => Number(pid));
}

async function gone(): Promise<void> {
  for (let i = 0; i < 100 && shells().length > 0; i++) await sleep(20);
  assert.deepEqual(shells(), [], "no nft shell is left");
}

describe("nft shell (integration, nftables in a throwaway netns)", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let shell: NftShell;
  const nftHere = (...args: string[]) => execFileSync("nsenter", [`--net=/run/netns/${box.name}`, "nft", ...args], { encoding: "utf8" });

  beforeEach(function () {
    box = openSandbox();
    shell = new NftShell(["nsenter", `--net=/run/netns/${box.name}`, "nft"]);
  });

  afterEach(async function () {
    shell.close();
    await gone();
    await box.close();
  });

  it("runs each script as one transaction, reports nft's error, and goes on with the next", async function () {
    assert.deepEqual(shells(), [], "started on first use");
    await shell.run("add table ip t1\nadd chain ip t1 c\n\nadd rule ip t1 c accept\n");
    assert.match(nftHere("list", "table", "ip", "t1"), /chain c \{\n\s+accept/);
    await assert.rejects(shell.run("add table ip t2\nadd rule ip t2 nochain accept\n"), /^Error: nft -f -: .*No such file or directory/s);
    assert.doesNotMatch(nftHere("list", "tables"), /t2/, "all or nothing");
    await shell.run("delete table ip t1\n");
    assert.equal(nftHere("list", "ruleset"), "");
    assert.equal(shells().length, 1, "one shell for all of them");
  });

  it("answers scripts sent at once in order, each with its own result", async function () {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => shell.run(i % 5 === 4 ? `delete table ip nope${i}\n` : `add table ip t${i}\n`)),
    );
    assert.deepEqual(results.map((r) => r.status), Array.from({ length: 20 }, (_, i) => (i % 5 === 4 ? "rejected" : "fulfilled")));
    assert.equal(nftHere("list", "tables").trim().split("\n").length, 16);
    nftHere("flush", "ruleset");
  });

  it("starts a new shell when its shell was killed, and says when nft is missing", async function () {
    await shell.run("add table ip t\n");
    for (const pid of shells()) process.kill(pid, "SIGKILL");
    await gone();
    await shell.run("delete table ip t\n");
    assert.equal(nftHere("list", "ruleset"), "");
    const missing = new NftShell(["/nonexistent/nft"]);
    await assert.rejects(missing.run("add table ip t\n"), /\/nonexistent\/nft is not installed; berth's bridge networks need nftables/);
    missing.close();
  });
});

// Test helper: a throwaway network namespace standing in for the host, so network tests never touch the
// machine's own links, plus checks that the real host and its mounts are exactly as before.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rtnl } from "../../../src/runtime/network/netlink.js";
import { createNetns, removeNetns } from "../../../src/runtime/network/netns.js";

const sh = (command: string, ...args: string[]) => execFileSync(command, args, { encoding: "utf8", stdio: "pipe" });

/** The host's named network namespaces, without other test processes' sandboxes (tests run side by side). */
function hostNetnsNames(): string {
  return sh("ip", "netns", "list").split("\n").filter((line) => {
    const owner = /^berth-test-(\d+)-/.exec(line)?.[1];
    return owner === undefined || Number(owner) === process.pid;
  }).join("\n");
}

/** The host's links without the counters that change on their own. */
function hostLinks(): string {
  return sh("ip", "-o", "link").split("\n").map((l) => l.replace(/\\.*$/, "")).join("\n");
}

export interface Sandbox {
  /** The throwaway namespace's name under /run/netns. */
  name: string;
  /** rtnetlink inside the throwaway "host" namespace. */
  host: Rtnl;
  /** A temp dir for namespace files and state. */
  dir: string;
  /** A fresh container-style namespace file in dir; close() removes it if the test has not. */
  netns(name: string): Promise<string>;
  /** Runs a command inside a namespace file's network namespace. */
  inNetns(netnsPath: string, ...command: string[]): string;
  /** Deletes everything and asserts the real host is as it was. */
  close(): Promise<void>;
}

/** The host's nftables ruleset; empty when nft is not installed. */
function hostRuleset(): string {
  try {
    return sh("nft", "list", "ruleset");
  } catch {
    return "";
  }
}

export function openSandbox(): Sandbox {
  const linksBefore = hostLinks();
  const rulesetBefore = hostRuleset();
  const netnsBefore = hostNetnsNames();
  const name = `berth-test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  sh("ip", "netns", "add", name);
  const host = Rtnl.openIn(`/run/netns/${name}`);
  const dir = mkdtempSync(join(tmpdir(), "berth-net-"));
  const namespaces: string[] = [];
  return {
    name,
    host,
    dir,
    async netns(name) {
      const path = join(dir, name);
      await createNetns(path);
      namespaces.push(path);
      return path;
    },
    inNetns: (netnsPath, ...command) => sh("nsenter", `--net=${netnsPath}`, "--", ...command),
    async close() {
      for (const path of namespaces) await removeNetns(path);
      host.close();
      sh("ip", "netns", "delete", name);
      // Any other mount under dir is a leak of the code under test.
      assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes(dir), `mounts left under ${dir}`);
      rmSync(dir, { recursive: true, force: true });
      assert.equal(hostNetnsNames(), netnsBefore, "the host's network namespaces changed");
      assert.equal(hostLinks(), linksBefore, "the host's links changed");
      assert.equal(hostRuleset(), rulesetBefore, "the host's nftables ruleset changed");
    },
  };
}

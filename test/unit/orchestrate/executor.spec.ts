import assert from "node:assert/strict";
import { parallelLimit, runDag, type DagNode } from "../../../src/orchestrate/executor.js";
import { userError } from "../user-error.js";

/**
 * A fake operation runner: each node runs until the test releases it, so the test sees exactly which nodes
 * run at the same time, whatever the machine's speed.
 */
class Gate {
  readonly running = new Set<string>();
  readonly log: string[] = [];
  maxRunning = 0;
  private readonly releases = new Map<string, (error?: Error) => void>();
  private waiters: (() => void)[] = [];

  run = (node: DagNode): Promise<void> => {
    this.running.add(node.id);
    this.log.push(`start ${node.id}`);
    this.maxRunning = Math.max(this.maxRunning, this.running.size);
    this.waiters.splice(0).forEach((wake) => wake());
    return new Promise((resolve, reject) => {
      this.releases.set(node.id, (error) => {
        this.running.delete(node.id);
        this.log.push(`end ${node.id}`);
        if (error) reject(error);
        else resolve();
      });
    });
  };

  /** Resolves once these nodes, and only these, are running. */
  async until(...ids: string[]): Promise<void> {
    while (!(this.running.size === ids.length && ids.every((id) => this.running.has(id)))) {
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  release(id: string, error?: Error): void {
    this.releases.get(id)!(error);
  }
}

const node = (id: string, ...after: string[]): DagNode => ({ id, after });

describe("executor: runs a plan's DAG", () => {
  it("starts every node whose dependencies are done at once, and each dependent as soon as its last dependency ends", async () => {
    const gate = new Gate();
    const done = runDag([node("net"), node("vol"), node("db", "net", "vol"), node("web", "net"), node("start-web", "web", "db")], gate.run);
    await gate.until("net", "vol");
    gate.release("net");
    await gate.until("vol", "web");
    gate.release("vol");
    await gate.until("web", "db");
    gate.release("web");
    await gate.until("db");
    gate.release("db");
    await gate.until("start-web");
    gate.release("start-web");
    await done;
    assert.deepEqual(gate.log, ["start net", "start vol", "end net", "start web", "end vol", "start db", "end web", "end db", "start start-web", "end start-web"]);
  });

  it("begins a node early where `early` allows, once those dependencies have begun, and tells it which still run", async () => {
    const gate = new Gate();
    const told = new Map<string, string[]>();
    const run = (n: DagNode, _signal: AbortSignal, running: DagNode[]) => {
      told.set(n.id, running.map((d) => d.id));
      return gate.run(n);
    };
    const startOf = (id: string) => id.startsWith("start-");
    const nodes = [node("create-a"), node("create-b"), node("start-a", "create-a"), node("start-b", "create-b", "start-a"), node("wait-b", "start-b")];
    const done = runDag(nodes, run, { early: (n, dependency) => startOf(n.id) && startOf(dependency.id) });
    await gate.until("create-a", "create-b");
    gate.release("create-b");
    await gate.until("create-a");
    gate.release("create-a");
    // start-b waits for no end: start-a has begun, and create-b is done.
    await gate.until("start-a", "start-b");
    assert.deepEqual(told.get("start-b"), ["start-a"]);
    assert.deepEqual(told.get("start-a"), []);
    gate.release("start-b");
    gate.release("start-a");
    // A dependency `early` does not allow (wait-b on start-b) still has to end first.
    await gate.until("wait-b");
    gate.release("wait-b");
    await done;
  });

  it("never begins a node early after a dependency that is only queued (--parallel)", async () => {
    const gate = new Gate();
    const early = () => true;
    const done = runDag([node("x"), node("a"), node("b", "a")], gate.run, { parallel: 1, early });
    await gate.until("x");
    assert.deepEqual(gate.log, ["start x"], "b may not begin while a waits for a slot");
    gate.release("x");
    await gate.until("a");
    gate.release("a");
    await gate.until("b");
    gate.release("b");
    await done;
    assert.deepEqual(gate.log, ["start x", "end x", "start a", "end a", "start b", "end b"]);
  });

  it("never runs more than --parallel nodes at a time, and runs them all", async () => {
    const gate = new Gate();
    const nodes = ["a", "b", "c", "d", "e"].map((id) => node(id));
    const done = runDag(nodes, gate.run, { parallel: 2 });
    await gate.until("a", "b");
    gate.release("a");
    await gate.until("b", "c");
    gate.release("c");
    await gate.until("b", "d");
    gate.release("b");
    gate.release("d");
    await gate.until("e");
    gate.release("e");
    await done;
    assert.equal(gate.maxRunning, 2);
    assert.equal(gate.log.filter((l) => l.startsWith("end")).length, 5);
  });

  it("after a failure starts nothing new, lets running nodes finish, then throws the failure", async () => {
    const gate = new Gate();
    const done = runDag([node("a"), node("b"), node("after-a", "a"), node("after-b", "b")], gate.run);
    await gate.until("a", "b");
    gate.release("a", new Error("create failed"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([...gate.running], ["b"]); // after-a never starts; b is still running
    let settled = false;
    void done.catch(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, "does not return while b runs");
    gate.release("b");
    await assert.rejects(done, /create failed/);
    assert.deepEqual(gate.log, ["start a", "start b", "end a", "end b"]);
  });

  it("tells the nodes still running to give up once one fails (a wait for a healthy dependency ends at once)", async () => {
    let waitSignal: AbortSignal | undefined;
    const done = runDag([node("wait-healthy"), node("migrate")], (n, signal) => {
      if (n.id === "migrate") return Promise.reject(new Error("migrate exited (3)"));
      waitSignal = signal;
      return new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("gave up"))));
    });
    await assert.rejects(done, /migrate exited \(3\)/);
    assert.equal(waitSignal?.aborted, true);
  });

  it("an empty plan is done at once; an unknown dependency or a cycle is an error, not a hang", async () => {
    await runDag([], () => Promise.reject(new Error("never called")));
    await assert.rejects(runDag([node("a", "zzz")], async () => {}), /waits for unknown node zzz/);
    await assert.rejects(runDag([node("a", "b"), node("b", "a")], async () => {}), /cycle: 2 nodes can never run/);
  });

  it("--parallel, else COMPOSE_PARALLEL_LIMIT, else unlimited; nonsense is a user error", () => {
    assert.equal(parallelLimit("3", { COMPOSE_PARALLEL_LIMIT: "5" }), 3);
    assert.equal(parallelLimit(undefined, { COMPOSE_PARALLEL_LIMIT: "5" }), 5);
    assert.equal(parallelLimit(undefined, {}), -1);
    assert.match(userError(() => parallelLimit("0", {})).message, /invalid parallel limit "0"/);
    assert.match(userError(() => parallelLimit(undefined, { COMPOSE_PARALLEL_LIMIT: "x" })).message, /invalid parallel limit "x"/);
  });
});

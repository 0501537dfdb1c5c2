// A network's removal answers before the kernel has deleted its bridge (~40 ms, RCU grace periods): berthd
// stopped right after, with SIGTERM, still leaves no bridge behind; one killed first reaps it at its next start
// (routes.spec.ts).
import assert from "node:assert/strict";
import Docker from "dockerode";
import { inTestHost, removeRoot, startBerthd, tempRoot } from "../engine/berthd.js";

describe("network removal, then berthd stops at once (integration, berthd in a test host namespace)", function () {
  this.timeout(60_000);

  it("waits at SIGTERM for the bridges of removed networks to be deleted", async function () {
    const root = tempRoot();
    try {
      const daemon = await startBerthd(root);
      const docker = new Docker({ socketPath: daemon.socket });
      const bridges = () => inTestHost(root, "ip", "-o", "link", "show", "type", "bridge").split("\n").filter(Boolean).map((l) => l.split(": ")[1]);
      const before = bridges();
      const networks = [];
      for (const name of ["first", "second", "third"]) networks.push(await docker.createNetwork({ Name: name }));
      const made = networks.map((n) => `br-${n.id.slice(0, 12)}`);
      assert.deepEqual(bridges().filter((b) => made.includes(b)).sort(), [...made].sort());
      await Promise.all(networks.map((n) => n.remove()));
      daemon.child.kill("SIGTERM");
      assert.equal(await daemon.exited, 0);
      assert.deepEqual(bridges(), before, "only the default network's bridge is left, as before");
    } finally {
      removeRoot(root);
    }
  });
});

// The CLI side: engine() finds the local berthd, starts it in the background when it is not running, reuses it after.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { localSocket, logFile, pidFile } from "../../../src/engine/config.js";
import { engine } from "../../../src/engine/client.js";
import { alive, DAEMON_COMMAND, removeRoot, startBerthd, tempRoot, waitGone } from "./berthd.js";

describe("engine client (integration)", function () {
  this.timeout(30_000);
  const roots: string[] = [];
  const newRoot = () => {
    const root = tempRoot();
    roots.push(root);
    return root;
  };

  after(async () => {
    for (const root of roots) {
      if (existsSync(pidFile(root))) {
        const pid = Number(readFileSync(pidFile(root), "utf8"));
        process.kill(pid, "SIGTERM");
        await waitGone(pid);
      }
      removeRoot(root);
      assert.equal(existsSync(root), false);
    }
  });

  it("starts berthd detached when its socket does not answer, logging to the root, and reuses it next time", async () => {
    const root = newRoot();
    const env = { ...process.env, BERTH_ROOT: root };
    const docker = await engine({ env, daemonCommand: DAEMON_COMMAND });
    assert.equal(String(await docker.ping()), "OK");
    const pid = Number(readFileSync(pidFile(root), "utf8"));
    assert.ok(alive(pid));
    assert.match(readFileSync(logFile(root), "utf8"), / listening on unix:\/\/.*berthd\.sock/);

    const again = await engine({ env, daemonCommand: DAEMON_COMMAND });
    assert.equal((await again.info()).DockerRootDir, root);
    assert.equal(Number(readFileSync(pidFile(root), "utf8")), pid, "the running daemon was reused");
    assert.equal(readFileSync(logFile(root), "utf8").match(/ listening on /g)?.length, 1, "no second daemon was started");
  });

  it("reports a daemon that dies at start with its last log line and the log's path", async () => {
    const root = newRoot();
    const env = { ...process.env, BERTH_ROOT: root };
    const failing = [process.execPath, "-e", 'console.error("berthd: cannot create /nonexistent: permission denied"); process.exit(3)'];
    await assert.rejects(engine({ env, daemonCommand: failing }), {
      message:
        `berthd exited with status 3 before answering (unix://${localSocket(root)}): berthd: cannot create /nonexistent: permission denied\n` +
        `(full log: ${logFile(root)})`,
    });
  });

  it("gives up after the timeout on a daemon that never answers", async () => {
    const root = newRoot();
    // Leaves a pid file like berthd does, so the suite's teardown finds it and stops it.
    const silent = [process.execPath, "-e", 'require("fs").writeFileSync(process.env.BERTH_ROOT + "/berthd.pid", `${process.pid}`); setInterval(() => {}, 1000)'];
    await assert.rejects(engine({ env: { ...process.env, BERTH_ROOT: root }, daemonCommand: silent, startTimeoutMs: 500 }), {
      message: new RegExp(`^berthd did not answer within 0.5 s \\(unix://${localSocket(root)}\\)`),
    });
  });

  it("does not start anything for an explicit host that is not the local daemon", async () => {
    const other = newRoot();
    const daemon = await startBerthd(other);
    const root = newRoot();
    const docker = await engine({ env: { ...process.env, BERTH_ROOT: root, BERTH_HOST: `unix://${daemon.socket}` }, daemonCommand: DAEMON_COMMAND });
    assert.equal((await docker.info()).DockerRootDir, other);
    assert.equal(existsSync(pidFile(root)), false);
    daemon.child.kill("SIGTERM");
    assert.equal(await daemon.exited, 0);
  });
});

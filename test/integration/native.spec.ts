// The addon against the real kernel: device nodes, xattrs, bind mounts, pidfds.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statfsSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  bindMount, detachMount, inNetns, lgetxattr, lsetxattr, mknod, pidfdOpen, pidfdSendSignal, S_IFCHR, S_IFIFO, waitPid,
} from "../../src/runtime/native.js";

describe("native addon", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "berth-native-"))));
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    assert.equal(existsSync(dir), false);
  });

  it("mknod makes an overlayfs whiteout (char 0/0) and a fifo", () => {
    mknod(join(dir, "gone"), S_IFCHR, 0, 0);
    const st = statSync(join(dir, "gone"));
    assert.ok(st.isCharacterDevice());
    assert.equal(st.rdev, 0);
    mknod(join(dir, "fifo"), S_IFIFO | 0o600);
    assert.ok(statSync(join(dir, "fifo")).isFIFO());
  });

  it("mknod errors are Node-style, with code, errno, syscall and path", () => {
    mknod(join(dir, "x"), S_IFCHR, 0, 0);
    assert.throws(() => mknod(join(dir, "x"), S_IFCHR, 0, 0), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, "EEXIST");
      assert.equal(err.errno, -17);
      assert.equal(err.syscall, "mknod");
      assert.equal(err.path, join(dir, "x"));
      assert.match(err.message, /^EEXIST: .*, mknod '/);
      return true;
    });
  });

  it("lsetxattr/lgetxattr round-trip trusted.overlay.opaque, also on a symlink itself", () => {
    lsetxattr(dir, "trusted.overlay.opaque", "y");
    assert.equal(lgetxattr(dir, "trusted.overlay.opaque").toString(), "y");
    symlinkSync("/nonexistent", join(dir, "link"));
    lsetxattr(join(dir, "link"), "trusted.berth.test", Buffer.from([0, 1, 2]));
    assert.deepEqual([...lgetxattr(join(dir, "link"), "trusted.berth.test")], [0, 1, 2]);
  });

  it("lgetxattr of a missing attribute throws ENODATA", () => {
    assert.throws(() => lgetxattr(dir, "trusted.overlay.opaque"), { code: "ENODATA", syscall: "lgetxattr" });
  });

  it("bindMount binds a file over another; detachMount undoes it; both throw Node-style errors", () => {
    writeFileSync(join(dir, "source"), "bound");
    writeFileSync(join(dir, "target"), "original");
    bindMount(join(dir, "source"), join(dir, "target"));
    try {
      assert.equal(readFileSync(join(dir, "target"), "utf8"), "bound");
    } finally {
      detachMount(join(dir, "target"));
    }
    assert.equal(readFileSync(join(dir, "target"), "utf8"), "original");
    assert.throws(() => detachMount(join(dir, "target")), { code: "EINVAL", syscall: "umount2", path: join(dir, "target") });
    assert.throws(() => bindMount(join(dir, "missing"), join(dir, "target")), { code: "ENOENT", syscall: "mount" });
  });

  it("bindMount pins a namespace made by inNetns(null) to a file, and the thread comes back to its own", () => {
    const here = () => readlinkSync("/proc/thread-self/ns/net");
    const before = here();
    const file = join(dir, "netns");
    writeFileSync(file, "");
    const made = inNetns(null, () => {
      bindMount("/proc/thread-self/ns/net", file);
      return here();
    });
    try {
      assert.equal(here(), before);
      assert.notEqual(made, before);
      assert.equal(statfsSync(file).type, 0x6e736673, "the file is the namespace (nsfs)"); // NSFS_MAGIC
      assert.equal(inNetns(file, here), made);
    } finally {
      detachMount(file);
    }
    assert.notEqual(statfsSync(file).type, 0x6e736673);
  });

  it("waitPid resolves when a process exits; pidfdSendSignal signals it", async () => {
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    const childExit = new Promise((r) => child.once("exit", (_code, signal) => r(signal)));
    const fd = pidfdOpen(child.pid!);
    try {
      let exited = false;
      const waiting = waitPid(child.pid!).then(() => (exited = true));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(exited, false, "waitPid resolved while the process was still running");
      pidfdSendSignal(fd, 9);
      await waiting;
      assert.equal(exited, true);
      assert.equal(await childExit, "SIGKILL");
    } finally {
      closeSync(fd);
    }
  });

  it("waitPid and pidfdOpen reject ESRCH for a pid that does not exist", async () => {
    const child = spawn("true", { stdio: "ignore" });
    await new Promise((r) => child.once("exit", r));
    await assert.rejects(waitPid(child.pid!), { code: "ESRCH" });
    assert.throws(() => pidfdOpen(child.pid!), { code: "ESRCH" });
  });
});

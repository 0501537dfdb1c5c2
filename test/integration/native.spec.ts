// The addon against the real kernel: device nodes, xattrs, bind mounts, pidfds.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statfsSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  bindMount, bindNewNetns, detachMount, inNetns, lgetxattr, lsetxattr, mknod, pidfdOpen, pidfdSendSignal, removeTree, S_IFCHR, S_IFIFO, waitPid,
} from "../../src/runtime/native.js";

describe("native addon", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "berth-native-"))));
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    assert.equal(existsSync(dir), false);
  });

  it("removeTree deletes a whole tree, unlinking symlinks without following them; a missing path is fine", async () => {
    const outside = join(dir, "outside");
    mkdirSync(join(outside, "kept"), { recursive: true });
    writeFileSync(join(outside, "kept", "file"), "stays");
    const tree = join(dir, "tree");
    mkdirSync(join(tree, "a", "b", "c"), { recursive: true });
    for (let i = 0; i < 50; i++) writeFileSync(join(tree, "a", `f${i}`), "x");
    writeFileSync(join(tree, "a", "b", "c", "deep"), "x");
    mknod(join(tree, "a", "whiteout"), S_IFCHR, 0, 0);
    symlinkSync(outside, join(tree, "a", "b", "to-outside"));
    symlinkSync(join(outside, "kept", "file"), join(tree, "to-file"));
    mkdirSync(join(tree, "locked"));
    writeFileSync(join(tree, "locked", "inside"), "x");
    chmodSync(join(tree, "locked"), 0);
    await removeTree(tree);
    assert.equal(existsSync(tree), false);
    assert.equal(readFileSync(join(outside, "kept", "file"), "utf8"), "stays");
    await removeTree(tree);
    symlinkSync(outside, join(dir, "link"));
    await removeTree(join(dir, "link"));
    assert.equal(existsSync(join(dir, "link")), false);
    assert.equal(existsSync(join(outside, "kept", "file")), true, "a symlink given as the path is removed, not its target");
    writeFileSync(join(dir, "plain"), "x");
    await assert.rejects(removeTree(join(dir, "plain", "below")), { code: "ENOTDIR", syscall: "removeTree" });
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

  it("bindMount binds a file over another; detachMount undoes it; both throw Node-style errors", async () => {
    writeFileSync(join(dir, "source"), "bound");
    writeFileSync(join(dir, "target"), "original");
    bindMount(join(dir, "source"), join(dir, "target"));
    try {
      assert.equal(readFileSync(join(dir, "target"), "utf8"), "bound");
    } finally {
      await detachMount(join(dir, "target"));
    }
    assert.equal(readFileSync(join(dir, "target"), "utf8"), "original");
    await assert.rejects(detachMount(join(dir, "target")), { code: "EINVAL", syscall: "umount2", path: join(dir, "target") });
    assert.throws(() => bindMount(join(dir, "missing"), join(dir, "target")), { code: "ENOENT", syscall: "mount" });
  });

  it("bindNewNetns binds new namespaces with loopback up from threadpool threads, which come back to their own", async () => {
    const files = [join(dir, "a"), join(dir, "b")];
    for (const file of files) writeFileSync(file, "");
    await Promise.all(files.map((file) => bindNewNetns(file)));
    try {
      const own = readlinkSync("/proc/self/ns/net");
      const made = files.map((file) => inNetns(file, () => readlinkSync("/proc/thread-self/ns/net")));
      assert.notEqual(made[0], made[1]);
      assert.equal(made.includes(own), false);
      for (const task of readdirSync("/proc/self/task")) assert.equal(readlinkSync(`/proc/self/task/${task}/ns/net`), own, `thread ${task}`);
      for (const file of files) assert.match(execFileSync("nsenter", [`--net=${file}`, "ip", "-o", "link", "show", "lo"], { encoding: "utf8" }), /<LOOPBACK,UP,LOWER_UP>/);
    } finally {
      for (const file of files) await detachMount(file);
    }
    await assert.rejects(bindNewNetns(join(dir, "missing")), { code: "ENOENT", syscall: "mount", path: join(dir, "missing") });
  });

  it("bindMount pins a namespace made by inNetns(null) to a file, and the thread comes back to its own", async () => {
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
      await detachMount(file);
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

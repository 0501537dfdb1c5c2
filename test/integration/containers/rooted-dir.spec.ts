// RootedDir, the tree archive operations work in (a running container's root, a volume's directory), on a
// temp directory full of hostile symlinks: nothing is read, written or removed outside it.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract, pack } from "tar-stream";
import { RootedDir } from "../../../src/runtime/container/rooted-dir.js";

describe("RootedDir (integration)", () => {
  let base: string;
  let tree: string;
  let outside: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), "berth-rooted-"));
    tree = join(base, "tree");
    outside = join(base, "outside");
    mkdirSync(join(tree, "etc"), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, "secret"), "host\n");
    writeFileSync(join(tree, "etc", "secret"), "inside\n");
    symlinkSync("/", join(tree, "root-link"));
    symlinkSync("../../../../..", join(tree, "up"));
    symlinkSync(outside, join(tree, "host-link"));
  });
  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
    assert.equal(existsSync(base), false);
  });

  const content = async function* (text: string) {
    yield Buffer.from(text);
  };
  const file = (name: string) => ({ name, type: "file" as const, mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) });

  it("resolves every symlink inside the tree: reads and writes through links to /, ../.. and an absolute host path stay in it", async () => {
    const dir = RootedDir.open(tree, "/data");
    try {
      assert.equal(dir.lstat("root-link/etc/secret").size, "inside\n".length);
      assert.equal(dir.lstat("up/etc/secret").size, "inside\n".length);
      assert.equal(dir.realPath("root-link/etc/secret"), "/data/etc/secret", "shown under the mount's target");
      // The absolute link names a host path, which inside the tree does not exist.
      assert.throws(() => dir.lstat(`host-link/secret`), { message: /Could not find the file \/data\/host-link\/secret/ });
      // Writing through it fails (a dangling link inside the tree is no directory), as Docker's untar fails there.
      await assert.rejects(dir.write(`host-link/secret`, file("secret"), content("new"), { noOverwriteDirNonDir: true }), { message: /Could not find the file \/data\/host-link/ });
      assert.equal(readFileSync(join(outside, "secret"), "utf8"), "host\n", "the host file is untouched");
      await dir.write(`up/etc/added`, file("added"), content("ok"), { noOverwriteDirNonDir: true });
      await dir.write(`root-link/new/dir/file`, file("file"), content("ok"), { noOverwriteDirNonDir: true });
      assert.equal(readFileSync(join(tree, "etc", "added"), "utf8"), "ok");
      assert.equal(readFileSync(join(tree, "new", "dir", "file"), "utf8"), "ok", "missing parents are made inside the tree");
    } finally {
      dir.close();
    }
  });

  it("replaces a directory without following the symlinks in it, and packs a symlink as itself", async () => {
    mkdirSync(join(tree, "doomed"));
    symlinkSync(outside, join(tree, "doomed", "to-host"));
    symlinkSync(join(outside, "secret"), join(tree, "doomed", "to-host-file"));
    const dir = RootedDir.open(tree);
    try {
      await dir.write("doomed", file("doomed"), content("f"), { noOverwriteDirNonDir: false });
      assert.equal(readFileSync(join(tree, "doomed"), "utf8"), "f");
      assert.equal(readFileSync(join(outside, "secret"), "utf8"), "host\n", "nothing outside was removed");
      const tar = pack();
      const entries = extract();
      tar.pipe(entries);
      await dir.pack(tar, "host-link", "host-link");
      tar.finalize();
      const names: string[] = [];
      for await (const entry of entries) {
        names.push(`${entry.header.name} -> ${entry.header.linkname}`);
        entry.resume();
      }
      assert.deepEqual(names, [`host-link -> ${readlinkSync(join(tree, "host-link"))}`]);
    } finally {
      dir.close();
    }
  });
});

// containerChanges on hand-made overlay directories (whiteouts and opaque directories need root): what docker
// diff lists, and what it leaves out — the runtime's mount points, directories overlayfs only copied up, mounts.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { containerChanges, mountedPaths } from "../../../src/runtime/container/changes.js";
import type { ContainerRecord } from "../../../src/runtime/container/record.js";
import { lsetxattr, mknod, S_IFCHR } from "../../../src/runtime/native.js";

describe("containers: changes of an upper dir over image layers (integration, root)", function () {
  let dir: string;
  let lower: string;
  let upper: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "berth-changes-"));
    lower = join(dir, "lower");
    upper = join(dir, "upper");
    for (const path of ["etc", "srv/old", "usr/bin", "proc", "tmp"]) mkdirSync(join(lower, path), { recursive: true });
    for (const path of ["etc/passwd", "srv/old/a", "srv/old/b", "srv/keep"]) writeFileSync(join(lower, path), "lower\n");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (path: string, content = "upper\n") => {
    mkdirSync(join(upper, path, ".."), { recursive: true });
    writeFileSync(join(upper, path), content);
  };
  const whiteout = (path: string) => {
    mkdirSync(join(upper, path, ".."), { recursive: true });
    mknod(join(upper, path), S_IFCHR, 0, 0);
  };
  const record = (targets: string[]) => ({ Mounts: targets.map((target) => ({ target })) }) as unknown as ContainerRecord;
  const lines = (excluded: ReadonlySet<string>) => containerChanges(upper, [lower], excluded).map(({ Path, Kind }) => `${"CAD"[Kind]} ${Path}`);

  it("a container that never started has no changes", () => {
    assert.deepEqual(lines(mountedPaths(record([]), [])), []);
  });

  it("leaves out berthd's files, the system mounts, what is below mount points, and directories only copied up for them", () => {
    for (const path of ["etc/hosts", "etc/hostname", "etc/resolv.conf", "dev/console", "sys/x", "data/in-volume", "usr/bin/tool"]) write(path);
    mkdirSync(join(upper, "proc"));
    const excluded = mountedPaths(record(["/data"]), [{ target: "/usr" }]);
    assert.deepEqual(lines(excluded), ["A /data"], "a mount point the runtime made stays, as with dockerd; not what is below it");
    chmodSync(join(upper, "etc"), 0o700);
    assert.deepEqual(lines(excluded), ["A /data", "C /etc"], "a copied-up directory whose mode changed is a change");
  });

  it("lists added, modified and deleted entries, parents included, and what an opaque directory hides", () => {
    write("srv/keep", "changed\n");
    write("srv/new/file");
    whiteout("etc/passwd");
    mkdirSync(join(upper, "srv/old"));
    lsetxattr(join(upper, "srv/old"), "trusted.overlay.opaque", "y");
    write("srv/old/b", "again\n");
    write("tmp/x");
    assert.deepEqual(lines(mountedPaths(record([]), [])), [
      "C /etc", "D /etc/passwd", "C /srv", "C /srv/keep", "A /srv/new", "A /srv/new/file", "C /srv/old", "D /srv/old/a", "A /srv/old/b", "C /tmp", "A /tmp/x",
    ]);
  });
});

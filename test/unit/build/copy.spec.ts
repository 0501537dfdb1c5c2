import assert from "node:assert/strict";
import { place, withMode, type CopyEntry } from "../../../src/runtime/build/copy.js";

const at = new Date(0);
const file = (name: string): CopyEntry => ({ name, type: "file", mode: 0o644, mtime: at, content: Buffer.from(name) });
const dir = (name: string): CopyEntry => ({ name, type: "directory", mode: 0o755, mtime: at });
const names = (entries: CopyEntry[]) => entries.map((e) => e.name);

describe("COPY placement", function () {
  it("puts a directory's content into the destination, not the directory itself", function () {
    assert.deepEqual(names(place([dir(""), dir("sub"), file("sub/a")], "src", "/app/", false)), ["app/sub", "app/sub/a"]);
    assert.deepEqual(names(place([dir(""), file("a")], "src", "/", false)), ["a"]);
  });

  it("puts a file at the destination, or into it when it is a directory", function () {
    assert.deepEqual(names(place([file("")], "conf/x.conf", "/etc/x.conf", false)), ["etc/x.conf"]);
    assert.deepEqual(names(place([file("")], "conf/x.conf", "/etc/", true)), ["etc/x.conf"]);
  });

  it("puts an archive's entries under the destination even without a ./ entry", function () {
    assert.deepEqual(names(place([file("a"), file("b/c")], "x.tar", "/opt", true)), ["opt/a", "opt/b/c"]);
  });

  it("--chmod sets every mode but a symlink's", function () {
    const link: CopyEntry = { name: "l", type: "symlink", mode: 0o777, mtime: at, linkname: "a" };
    assert.deepEqual(withMode([file("a"), dir("d"), link], { uid: 0, gid: 0, mode: 0o700 }).map((e) => e.mode), [0o700, 0o700, 0o777]);
  });
});

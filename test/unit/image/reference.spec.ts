import assert from "node:assert/strict";
import { familiarName, normalizeTag, parseReference } from "../../../src/runtime/image/reference.js";

describe("image references", function () {
  it("normalises names the way docker does", function () {
    assert.deepEqual(parseReference("busybox"), { domain: "docker.io", path: "library/busybox" });
    assert.deepEqual(parseReference("user/app:1.2"), { domain: "docker.io", path: "user/app", tag: "1.2" });
    assert.deepEqual(parseReference("index.docker.io/library/node:20"), { domain: "docker.io", path: "library/node", tag: "20" });
    assert.deepEqual(parseReference("localhost:5000/a/b/c:t"), { domain: "localhost:5000", path: "a/b/c", tag: "t" });
    assert.deepEqual(parseReference("localhost/app"), { domain: "localhost", path: "app" });
    const digest = `sha256:${"a".repeat(64)}`;
    assert.deepEqual(parseReference(`ghcr.io/org/app:v1@${digest}`), { domain: "ghcr.io", path: "org/app", tag: "v1", digest });
  });

  it("prints familiar names and tag keys", function () {
    assert.equal(familiarName(parseReference("docker.io/library/busybox")), "busybox");
    assert.equal(familiarName(parseReference("docker.io/library/a/b")), "library/a/b");
    assert.equal(familiarName(parseReference("quay.io/x/y")), "quay.io/x/y");
    assert.equal(normalizeTag("busybox"), "busybox:latest");
    assert.equal(normalizeTag("docker.io/user/app:1"), "user/app:1");
    assert.throws(() => normalizeTag(`busybox@sha256:${"b".repeat(64)}`), /a digest reference cannot be used as a tag/);
  });

  const invalid: [string, RegExp][] = [
    ["", /repository name is empty/],
    ["Busybox", /repository name must be lowercase/],
    ["busybox:", /tag must be 1-128/],
    ["busybox:-x", /tag must be 1-128/],
    ["a/b__-c", /"b__-c" is not a valid name component/],
    ["a//b", /"" is not a valid name component/],
    ["busybox@sha256:abc", /digest must be sha256: followed by 64/],
    ["a".repeat(64).replace(/a/g, "f"), /is an image ID, not a repository name/],
    ["bad_host.example/app", /"bad_host.example" is not a valid registry host/],
    [`x/${"a".repeat(260)}`, /longer than 255 characters/],
  ];
  for (const [text, message] of invalid) {
    it(`rejects ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + "…" : text)} with what would be valid`, function () {
      assert.throws(
        () => parseReference(text),
        (err: Error & { kind?: string }) => err.kind === "InvalidArgument" && message.test(err.message) && err.message.startsWith(`invalid reference "${text}"`),
      );
    });
  }
});

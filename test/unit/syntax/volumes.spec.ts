import assert from "node:assert/strict";
import { ValueError } from "../../../src/compose/errors.js";
import { parseVolumeSpec, type VolumeMount } from "../../../src/compose/syntax/volumes.js";

describe("parseVolumeSpec", () => {
  const valid: [string, VolumeMount][] = [
    ["/data", { type: "volume", target: "/data", volume: {} }],
    ["data:/data", { type: "volume", source: "data", target: "/data", volume: {} }],
    ["data:/data:ro", { type: "volume", source: "data", target: "/data", read_only: true, volume: {} }],
    ["data:/data:ro,rw", { type: "volume", source: "data", target: "/data", volume: {} }],
    ["data:/data:nocopy", { type: "volume", source: "data", target: "/data", volume: { nocopy: true } }],
    ["./src:/app", { type: "bind", source: "./src", target: "/app", bind: { create_host_path: true } }],
    ["../src:/app:rw", { type: "bind", source: "../src", target: "/app", bind: { create_host_path: true } }],
    ["/etc/localtime:/etc/localtime:ro", { type: "bind", source: "/etc/localtime", target: "/etc/localtime", read_only: true, bind: { create_host_path: true } }],
    ["~/.cache:/root/.cache", { type: "bind", source: "~/.cache", target: "/root/.cache", bind: { create_host_path: true } }],
    ["./src:/app:z", { type: "bind", source: "./src", target: "/app", bind: { selinux: "z", create_host_path: true } }],
    [
      "./src:/app:ro,Z,rshared",
      { type: "bind", source: "./src", target: "/app", read_only: true, bind: { selinux: "Z", propagation: "rshared", create_host_path: true } },
    ],
    ["./src:/app:cached", { type: "bind", source: "./src", target: "/app", bind: { create_host_path: true } }],
    // as compose-go: options are recorded even where the mount type ignores them
    ["data:/data:z", { type: "volume", source: "data", target: "/data", bind: { selinux: "z" }, volume: {} }],
  ];
  for (const [spec, expected] of valid) {
    it(`reads "${spec}"`, () => assert.deepEqual(parseVolumeSpec(spec), expected));
  }

  const invalid: [string, string][] = [
    ["", `empty volume spec (use e.g. "data:/data" or "./src:/app:ro")`],
    ["a:/b:ro:x", `too many colons in "a:/b:ro:x" (use [SOURCE:]TARGET[:MODE])`],
    [":/data", `empty section between colons in ":/data" (use [SOURCE:]TARGET[:MODE])`],
    ["data:/data:", `empty section between colons in "data:/data:" (use [SOURCE:]TARGET[:MODE])`],
    ["data", `target "data" must be an absolute path in the container`],
    ["./src:app", `target "app" must be an absolute path in the container`],
    ["data:/data:rox", `invalid mode "rox" in "data:/data:rox" (use ro, rw, z, Z, nocopy or shared, rshared, slave, rslave, private, rprivate)`],
    ["data:/data:ro,", `invalid mode "" in "data:/data:ro," (use ro, rw, z, Z, nocopy or shared, rshared, slave, rslave, private, rprivate)`],
  ];
  for (const [spec, message] of invalid) {
    it(`refuses "${spec}"`, () => assert.throws(() => parseVolumeSpec(spec), new ValueError(message)));
  }
});

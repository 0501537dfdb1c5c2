import assert from "node:assert/strict";
import { userError, web } from "./fixture.js";

describe("normalize: service volumes", () => {
  it("reads the short syntax into the long one, cleaning container paths", () => {
    const volumes = web("services: {web: {image: x, volumes: ['data:/var/lib/data/', '/srv/demo/src:/app/./code:ro', /cache]}}").volumes;
    assert.deepEqual(volumes, [
      { type: "volume", source: "data", target: "/var/lib/data", volume: {} },
      { type: "bind", source: "/srv/demo/src", target: "/app/code", read_only: true, bind: { create_host_path: true } },
      { type: "volume", target: "/cache", volume: {} },
    ]);
  });

  it("creates a bind mount's host path unless its bind section says otherwise", () => {
    const volumes = web(`
services:
  web:
    image: x
    volumes:
      - {type: bind, source: /a, target: /a, bind: {propagation: rshared}}
      - {type: bind, source: /b, target: /b, bind: {create_host_path: false}}
      - {type: bind, source: /c, target: /c}
`).volumes;
    assert.deepEqual(volumes, [
      { type: "bind", source: "/a", target: "/a", bind: { create_host_path: true, propagation: "rshared" } },
      { type: "bind", source: "/b", target: "/b", bind: { create_host_path: false } },
      { type: "bind", source: "/c", target: "/c" },
    ]);
  });

  it("gives tmpfs sizes in bytes and drops extensions", () => {
    const volumes = web("services: {web: {image: x, volumes: [{type: tmpfs, target: /tmp, tmpfs: {size: 64m, mode: 1777}, x-a: 1}]}}").volumes;
    assert.deepEqual(volumes, [{ type: "tmpfs", target: "/tmp", tmpfs: { size: "67108864", mode: 1777 } }]);
  });

  it("refuses a bind mount without a source", () => {
    const err = userError(() => web("services:\n  web:\n    image: x\n    volumes:\n      - {type: bind, target: /a}\n"));
    assert.equal(err.message, "compose.yaml:5:9: services.web.volumes[0]: a bind mount needs a source (the host path to mount)");
  });

  it("refuses a long-syntax mount without a target", () => {
    const err = userError(() => web("services:\n  web:\n    image: x\n    volumes:\n      - {type: volume, source: data}\n"));
    assert.equal(err.message, "compose.yaml:5:9: services.web.volumes[0]: a mount needs a target (the path inside the container)");
  });

  it("locates an invalid tmpfs size at the size key", () => {
    const err = userError(() => web("services:\n  web:\n    image: x\n    volumes:\n      - type: tmpfs\n        target: /t\n        tmpfs:\n          size: lots\n"));
    assert.deepEqual(err.path, ["services", "web", "volumes", 0, "tmpfs", "size"]);
    assert.deepEqual(err.loc, { file: "compose.yaml", line: 8, col: 11 });
  });
});

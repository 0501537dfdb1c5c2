import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: volumes and devices", () => {
  it("keeps one volume per container path, across short and long syntax", () => {
    const web = mergedWeb(
      "services: {web: {volumes: ['common:/var/lib/data:rw', './src:/app', /anonymous]}}",
      "services: {web: {volumes: ['cli:/var/lib/data:ro', {type: bind, source: ./other, target: /app}, ./logs:/logs]}}",
    );
    assert.deepEqual(web.volumes, ["cli:/var/lib/data:ro", { type: "bind", source: "./other", target: "/app" }, "/anonymous", "./logs:/logs"]);
  });

  it("leaves an entry it cannot parse for the normaliser to report", () => {
    assert.deepEqual(mergedWeb("services: {web: {volumes: ['a:b:c:d', 'x:/x']}}", "services: {web: {volumes: ['y:/x']}}").volumes, ["a:b:c:d", "y:/x"]);
  });

  it("keeps one device per container path", () => {
    const web = mergedWeb(
      "services: {web: {devices: ['/dev/a:/dev/xvda:rwm', /dev/b]}}",
      "services: {web: {devices: ['/dev/c:/dev/xvda', {source: /dev/d, target: /dev/b}]}}",
    );
    assert.deepEqual(web.devices, ["/dev/c:/dev/xvda", { source: "/dev/d", target: "/dev/b" }]);
  });

  it("keeps one blkio device entry per path", () => {
    const web = mergedWeb(
      "services: {web: {blkio_config: {weight: 300, device_read_bps: [{path: /dev/sda, rate: 1mb}]}}}",
      "services: {web: {blkio_config: {device_read_bps: [{path: /dev/sda, rate: 2mb}, {path: /dev/sdb, rate: 1mb}]}}}",
    );
    assert.deepEqual(web.blkio_config, { weight: 300, device_read_bps: [{ path: "/dev/sda", rate: "2mb" }, { path: "/dev/sdb", rate: "1mb" }] });
  });

  it("!override replaces the volume list", () => {
    const web = mergedWeb("services: {web: {volumes: ['a:/a']}}", "services: {web: {volumes: !override ['b:/b']}}");
    assert.deepEqual(web.volumes, ["b:/b"]);
  });
});

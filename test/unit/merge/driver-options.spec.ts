import { strict as assert } from "node:assert";
import { mergeYaml, mergedWeb } from "./merge-yaml.js";

describe("merge: logging options and driver_opts", () => {
  it("merges logging options when the driver is the same or not given", () => {
    const base = "services: {web: {logging: {driver: json-file, options: {max-size: 10m, max-file: '3'}}}}";
    assert.deepEqual(mergedWeb(base, "services: {web: {logging: {driver: json-file, options: {max-size: 20m}}}}").logging, {
      driver: "json-file",
      options: { "max-size": "20m", "max-file": "3" },
    });
    assert.deepEqual(mergedWeb(base, "services: {web: {logging: {options: {max-file: '5'}}}}").logging, {
      driver: "json-file",
      options: { "max-size": "10m", "max-file": "5" },
    });
  });

  it("drops the earlier logging options when the driver changes", () => {
    const web = mergedWeb("services: {web: {logging: {driver: json-file, options: {max-size: 10m}}}}", "services: {web: {logging: {driver: syslog, options: {tag: web}}}}");
    assert.deepEqual(web.logging, { driver: "syslog", options: { tag: "web" } });
  });

  it("merges volume and network driver_opts only for the same driver", () => {
    const merged = mergeYaml(
      "volumes: {v: {driver: local, driver_opts: {type: nfs, o: 'addr=1'}, labels: [a=1]}}\nnetworks: {n: {driver: bridge, driver_opts: {a: '1'}}}",
      "volumes: {v: {driver: local, driver_opts: {o: 'addr=2'}}}\nnetworks: {n: {driver: macvlan, driver_opts: {parent: eth0}}}",
    );
    assert.deepEqual((merged.volumes as any).v, { driver: "local", driver_opts: { type: "nfs", o: "addr=2" }, labels: ["a=1"] });
    assert.deepEqual((merged.networks as any).n, { driver: "macvlan", driver_opts: { parent: "eth0" } });
  });
});

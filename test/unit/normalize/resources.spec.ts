import assert from "node:assert/strict";
import type { Warning } from "../../../src/compose/errors.js";
import { normalizeYaml, userError } from "./fixture.js";

describe("normalize: top-level networks, volumes, secrets and configs", () => {
  it("names each on the host: <project>_<key>, its own name, or its key when external", () => {
    const project = normalizeYaml(`
networks: {front: {driver: bridge}, shared: {external: true}}
volumes: {data: null, logs: {name: app-logs}, old: {external: true, name: legacy}}
secrets: {token: {file: /srv/demo/token.txt}}
configs: {nginx: {content: "server {}"}}
`);
    assert.deepEqual(project.networks, { front: { name: "demo_front", driver: "bridge" }, shared: { name: "shared", external: true } });
    assert.deepEqual(project.volumes, { data: { name: "demo_data" }, logs: { name: "app-logs" }, old: { name: "legacy", external: true } });
    assert.deepEqual(project.secrets, { token: { name: "demo_token", file: "/srv/demo/token.txt" } });
    assert.deepEqual(project.configs, { nginx: { name: "demo_nginx", content: "server {}" } });
  });

  it("reads the deprecated external.name, with a warning", () => {
    const warnings: Warning[] = [];
    const project = normalizeYaml("volumes:\n  old:\n    external: {name: legacy}\n", { warnings });
    assert.deepEqual(project.volumes, { old: { name: "legacy", external: true } });
    assert.deepEqual(warnings, [
      { message: "external.name is deprecated (write name: legacy and external: true)", loc: { file: "compose.yaml", line: 3, col: 5 }, path: ["volumes", "old"] },
    ]);
  });

  it("refuses external.name together with name", () => {
    const err = userError(() => normalizeYaml("volumes: {old: {name: a, external: {name: b}}}"));
    assert.equal(err.detail, "external.name and name are both set (keep only name)");
  });

  it("turns labels into maps and drops extensions at every level of ipam", () => {
    const project = normalizeYaml(`
networks:
  back:
    labels: [team=core]
    x-note: hi
    ipam:
      driver: default
      config: [{subnet: 172.28.0.0/16, gateway: 172.28.0.1, aux_addresses: {router: 172.28.1.5}, x-a: 1}]
`);
    assert.deepEqual(project.networks.back, {
      name: "demo_back",
      labels: { team: "core" },
      ipam: { driver: "default", config: [{ subnet: "172.28.0.0/16", gateway: "172.28.0.1", aux_addresses: { router: "172.28.1.5" } }] },
    });
  });

  it("locates an invalid subnet or gateway", () => {
    const subnet = userError(() => normalizeYaml("networks:\n  back:\n    ipam:\n      config:\n        - subnet: 172.28.0.1/16\n"));
    assert.equal(subnet.message, 'compose.yaml:5:11: networks.back.ipam.config[0].subnet: invalid CIDR "172.28.0.1/16": host bits are set (use "172.28.0.0/16")');
    const gateway = userError(() => normalizeYaml("networks: {back: {ipam: {config: [{gateway: 300.1.1.1}]}}}"));
    assert.equal(gateway.detail, 'invalid IP address "300.1.1.1" (use e.g. "172.28.0.1" or "fd00::1")');
  });
});

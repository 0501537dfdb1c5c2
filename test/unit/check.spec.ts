import assert from "node:assert/strict";
import type { Warning } from "../../src/compose/errors.js";
import { normalizeYaml, userError } from "./normalize/fixture.js";

const checked = (text: string, warnings: Warning[] = []) => normalizeYaml(text, { check: true, warnings });
const failure = (text: string) => userError(() => checked(text)).message;

describe("check", () => {
  it("accepts a consistent project", () => {
    const warnings: Warning[] = [];
    checked(
      `
services:
  web: {image: nginx, ports: ["8080:80"], networks: {front: {ipv4_address: 172.28.0.10}}, volumes: [data:/data], secrets: [token]}
  api: {build: /srv/demo/api, ports: ["8081:80", "127.0.0.1:9000:9000"], network_mode: service:web}
networks: {front: {ipam: {config: [{subnet: 172.28.0.0/16}]}}}
volumes: {data: {}}
secrets: {token: {file: /srv/demo/token}}
`,
      warnings,
    );
    assert.deepEqual(warnings, []);
  });

  it("names an undefined network, volume, secret or config where the service uses it", () => {
    assert.equal(
      failure("services:\n  web:\n    image: x\n    networks:\n      - front\n"),
      'compose.yaml:4:5: services.web.networks.front: network "front" is not defined at the top level',
    );
    assert.equal(
      failure("services:\n  web:\n    image: x\n    volumes:\n      - /srv/demo:/app\n      - data:/data\n"),
      'compose.yaml:6:9: services.web.volumes[1]: volume "data" is not defined at the top level',
    );
    assert.equal(failure("services: {web: {image: x, secrets: [token]}}"), 'compose.yaml:1:38: services.web.secrets[0]: secret "token" is not defined at the top level');
    assert.equal(failure("services: {web: {image: x, configs: [{source: app}]}}"), 'compose.yaml:1:38: services.web.configs[0]: config "app" is not defined at the top level');
  });

  it("names an undefined service in namespaces, volumes_from and links", () => {
    assert.equal(failure("services:\n  web:\n    image: x\n    network_mode: service:vpn\n"), 'compose.yaml:4:5: services.web.network_mode: refers to undefined service "vpn"');
    assert.equal(failure("services:\n  web:\n    image: x\n    volumes_from: [files:ro]\n"), 'compose.yaml:4:20: services.web.volumes_from[0]: refers to undefined service "files"');
    assert.equal(failure("services: {web: {image: x, links: ['db:database']}}"), 'compose.yaml:1:36: services.web.links[0]: refers to undefined service "db"');
  });

  it("refuses creation attributes on external resources", () => {
    assert.equal(
      failure("networks:\n  shared:\n    external: true\n    driver: overlay\n"),
      "compose.yaml:4:5: networks.shared.driver: external networks cannot set driver (they are created outside the project)",
    );
  });

  it("refuses a service without image or build, and network_mode with networks", () => {
    assert.equal(failure("services:\n  web:\n    command: [true]\n"), "compose.yaml:2:3: services.web: service has neither an image nor a build context (set image or build)");
    assert.equal(
      failure("services:\n  web:\n    image: x\n    network_mode: host\n    networks: [front]\nnetworks: {front: {}}\n"),
      "compose.yaml:4:5: services.web.network_mode: network_mode cannot be combined with networks (remove one of them)",
    );
  });

  it("refuses a container name used twice or with several replicas", () => {
    assert.equal(
      failure("services:\n  a: {image: x, container_name: app}\n  b: {image: x, container_name: app}\n"),
      'compose.yaml:3:17: services.b.container_name: container name "app" is already used by service "a"',
    );
    assert.equal(
      failure("services:\n  a: {image: x, container_name: app, deploy: {replicas: 2}}\n"),
      "compose.yaml:2:17: services.a.container_name: container_name cannot be used with 2 replicas (a container name is unique; remove it or run 1 replica)",
    );
    assert.equal(failure("services: {a: {image: x, scale: 2, deploy: {replicas: 3}}}"), "compose.yaml:1:26: services.a.scale: scale 2 and deploy.replicas 3 disagree (set only one of them)");
  });

  it("refuses a host port published twice on overlapping addresses", () => {
    assert.equal(
      failure("services:\n  a: {image: x, ports: ['8080:80']}\n  b:\n    image: x\n    ports: ['127.0.0.1:8080:81']\n"),
      'compose.yaml:5:5: services.b.ports: host port 8080/tcp on 127.0.0.1 is already published by service "a"',
    );
    checked("services: {a: {image: x, ports: ['127.0.0.1:8080:80', '8080:80/udp']}, b: {image: x, ports: ['127.0.0.2:8080:80', '::1:8080:80']}}");
  });

  it("refuses two mounts on one container path", () => {
    assert.equal(
      failure("services:\n  web:\n    image: x\n    volumes: [/srv/a:/data, /srv/b:/data/]\n"),
      "compose.yaml:4:29: services.web.volumes[1]: /data is already mounted by volumes[0] (use one mount per container path)",
    );
  });

  it("refuses a static address outside the network's subnets, or on a network without one", () => {
    const text = (address: string, ipam: string) => `services:\n  web:\n    image: x\n    networks:\n      front:\n        ipv4_address: ${address}\nnetworks:\n  front: ${ipam}\n`;
    assert.equal(
      failure(text("10.0.0.5", "{ipam: {config: [{subnet: 172.28.0.0/16}, {subnet: 'fd00::/64'}]}}")),
      'compose.yaml:6:9: services.web.networks.front.ipv4_address: 10.0.0.5 is outside the subnets of network "front" (172.28.0.0/16)',
    );
    assert.equal(
      failure(text("10.0.0.5", "{}")),
      'compose.yaml:6:9: services.web.networks.front.ipv4_address: a static address needs a subnet on network "front" (set networks.front.ipam.config[].subnet)',
    );
  });

  it("warns when replicas would all bind one fixed host port", () => {
    const warnings: Warning[] = [];
    checked("services:\n  web:\n    image: x\n    scale: 3\n    ports: ['8080:80']\n", warnings);
    assert.deepEqual(warnings, [
      {
        message: '3 replicas cannot all publish host port 8080 (publish a range instead, e.g. "8080-8082:80")',
        loc: { file: "compose.yaml", line: 5, col: 5 },
        path: ["services", "web", "ports"],
      },
    ]);
  });
});

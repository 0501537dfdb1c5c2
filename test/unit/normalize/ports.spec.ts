import assert from "node:assert/strict";
import { userError, web } from "./fixture.js";

describe("normalize: ports", () => {
  it("expands short-syntax ranges into one long-syntax entry per port", () => {
    const ports = web("services: {web: {image: x, ports: ['127.0.0.1:8080-8081:80-81/udp', 3000]}}").ports;
    assert.deepEqual(ports, [
      { mode: "ingress", host_ip: "127.0.0.1", target: 80, published: "8080", protocol: "udp" },
      { mode: "ingress", host_ip: "127.0.0.1", target: 81, published: "8081", protocol: "udp" },
      { mode: "ingress", target: 3000, protocol: "tcp" },
    ]);
  });

  it("fills the long syntax's defaults, publishes as text, and drops extensions", () => {
    const ports = web("services: {web: {image: x, ports: [{target: 80, published: 8080, x-note: hi}]}}").ports;
    assert.deepEqual(ports, [{ mode: "ingress", target: 80, published: "8080", protocol: "tcp" }]);
  });

  it("locates an invalid port at its entry", () => {
    const err = userError(() => web("services:\n  web:\n    image: x\n    ports:\n      - '80'\n      - '8080:99999'\n"));
    assert.deepEqual(err.loc, { file: "compose.yaml", line: 6, col: 9 });
    assert.equal(err.message, 'compose.yaml:6:9: services.web.ports[1]: invalid port "99999" (ports are 1-65535)');
  });
});

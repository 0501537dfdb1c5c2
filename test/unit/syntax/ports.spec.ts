import assert from "node:assert/strict";
import { ValueError } from "../../../src/compose/errors.js";
import { checkPortConfig, parsePortSpec, type PortConfig } from "../../../src/compose/syntax/ports.js";

const tcp = (target: number, published?: string, host_ip?: string): PortConfig => ({
  mode: "ingress",
  ...(host_ip !== undefined && { host_ip }),
  target,
  ...(published !== undefined && { published }),
  protocol: "tcp",
});

describe("parsePortSpec", () => {
  const valid: [string | number, PortConfig[]][] = [
    ["80", [tcp(80)]],
    [80, [tcp(80)]],
    ["8080:80", [tcp(80, "8080")]],
    ["127.0.0.1:8080:80", [tcp(80, "8080", "127.0.0.1")]],
    ["127.0.0.1::80", [tcp(80, undefined, "127.0.0.1")]],
    ["[::1]:8080:80", [tcp(80, "8080", "::1")]],
    ["::1:8080:80", [tcp(80, "8080", "::1")]],
    ["8000-8002:80-82", [tcp(80, "8000"), tcp(81, "8001"), tcp(82, "8002")]],
    ["80-81", [tcp(80), tcp(81)]],
    ["9090-9091:8080", [tcp(8080, "9090-9091")]],
    ["6060:6060/udp", [{ mode: "ingress", target: 6060, published: "6060", protocol: "udp" }]],
    ["5000/SCTP", [{ mode: "ingress", target: 5000, protocol: "sctp" }]],
    ["80/", [tcp(80)]],
    ["65535", [tcp(65535)]],
    // compose-go sorts by the "port/protocol" text
    ["98-101", [tcp(100), tcp(101), tcp(98), tcp(99)]],
    ["1098-1101:98-101", [tcp(100, "1100"), tcp(101, "1101"), tcp(98, "1098"), tcp(99, "1099")]],
  ];
  for (const [spec, expected] of valid) {
    it(`reads ${JSON.stringify(spec)}`, () => assert.deepEqual(parsePortSpec(spec), expected));
  }

  const invalid: [string, string][] = [
    ["", `no container port in "" (use e.g. "8080:80" or "80/udp")`],
    ["8080:", `no container port in "8080:" (use e.g. "8080:80" or "80/udp")`],
    ["/udp", `no container port in "/udp" (use e.g. "8080:80" or "80/udp")`],
    ["80800", `invalid port "80800" (ports are 1-65535)`],
    ["0", `invalid port "0" (ports are 1-65535)`],
    ["http", `invalid port "http" (ports are 1-65535)`],
    ["+80", `invalid port "+80" (ports are 1-65535)`],
    ["70000:80", `invalid port "70000" (ports are 1-65535)`],
    ["82-80", `invalid port range "82-80" (the first port must not be above the last)`],
    ["80-81-82", `invalid port range "80-81-82" (use e.g. "8000-8010")`],
    ["80-", `invalid port "" (ports are 1-65535)`],
    ["8000-8001:80-82", `port ranges "8000-8001" and "80-82" differ in size (use ranges of equal size, or a host range onto one container port)`],
    ["8080:80-81", `port ranges "8080" and "80-81" differ in size (use ranges of equal size, or a host range onto one container port)`],
    ["80/icmp", `invalid protocol "icmp" (use tcp, udp or sctp)`],
    ["1.2.3:80:80", `invalid host IP "1.2.3" (use e.g. "127.0.0.1" or "[::1]")`],
    ["localhost:80:80", `invalid host IP "localhost" (use e.g. "127.0.0.1" or "[::1]")`],
    ["127.0.0.1:80", `invalid port "127.0.0.1" (ports are 1-65535)`],
  ];
  for (const [spec, message] of invalid) {
    it(`refuses ${JSON.stringify(spec)}`, () => assert.throws(() => parsePortSpec(spec), new ValueError(message)));
  }
});

describe("checkPortConfig", () => {
  const valid: [Record<string, unknown>, PortConfig][] = [
    [{ target: 80 }, tcp(80)],
    [{ target: "80", published: 8080 }, tcp(80, "8080")],
    [{ target: 80, published: "8080-8081" }, tcp(80, "8080-8081")],
    [{ target: 80, published: "", host_ip: "" }, tcp(80)],
    [
      { name: "web", target: 80, published: "8080", host_ip: "::1", protocol: "UDP", mode: "host", app_protocol: "http" },
      { name: "web", mode: "host", host_ip: "::1", target: 80, published: "8080", protocol: "udp", app_protocol: "http" },
    ],
  ];
  for (const [port, expected] of valid) {
    it(`reads ${JSON.stringify(port)}`, () => assert.deepEqual(checkPortConfig(port), expected));
  }

  const invalid: [Record<string, unknown>, string][] = [
    [{ published: 80 }, `target is required (the port inside the container, e.g. 80)`],
    [{ target: 80.5 }, `invalid port "80.5" (ports are 1-65535)`],
    [{ target: 0 }, `invalid port "0" (ports are 1-65535)`],
    [{ target: 80, published: "8081-8080" }, `invalid port range "8081-8080" (the first port must not be above the last)`],
    [{ target: 80, published: 99999 }, `invalid port "99999" (ports are 1-65535)`],
    [{ target: 80, protocol: "icmp" }, `invalid protocol "icmp" (use tcp, udp or sctp)`],
    [{ target: 80, mode: "global" }, `invalid mode "global" (use ingress or host)`],
    [{ target: 80, host_ip: "300.1.1.1" }, `invalid host IP "300.1.1.1" (use e.g. "127.0.0.1" or "[::1]")`],
    [{ target: 80, name: 5 }, `name must be a string`],
  ];
  for (const [port, message] of invalid) {
    it(`refuses ${JSON.stringify(port)}`, () => assert.throws(() => checkPortConfig(port), new ValueError(message)));
  }
});

import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: ports", () => {
  it("appends ports that differ in host IP, published port, container port or protocol", () => {
    const web = mergedWeb("services: {web: {ports: ['8080:80']}}", "services: {web: {ports: ['127.0.0.1:8080:80', '8080:80/udp', '9090:80', 81]}}");
    assert.deepEqual(web.ports, ["8080:80", "127.0.0.1:8080:80", "8080:80/udp", "9090:80", 81]);
  });

  it("keeps one entry per port across short and long syntax, the later one in the earlier place", () => {
    const web = mergedWeb(
      "services: {web: {ports: ['8080:80', '9000:9000']}}",
      "services: {web: {ports: [{target: 80, published: 8080, protocol: tcp, mode: host}]}}",
    );
    assert.deepEqual(web.ports, [{ target: 80, published: 8080, protocol: "tcp", mode: "host" }, "9000:9000"]);
  });

  it("collapses duplicates within one file", () => {
    assert.deepEqual(mergedWeb("services: {web: {ports: ['80', {target: 80}, '8080:80']}}").ports, [{ target: 80 }, "8080:80"]);
  });

  it("!override replaces the list, !reset clears it", () => {
    const base = "services: {web: {ports: ['8080:80']}}";
    assert.deepEqual(mergedWeb(base, "services: {web: {ports: !override ['8443:443']}}").ports, ["8443:443"]);
    assert.equal(mergedWeb(base, "services: {web: {ports: !reset []}}").ports, undefined);
  });
});

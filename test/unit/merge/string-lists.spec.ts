import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: dns, dns_search, dns_opt, tmpfs, extra_hosts, cap_add", () => {
  it("appends one value or a list, dropping repeats", () => {
    const web = mergedWeb(
      "services: {web: {dns: 1.1.1.1, dns_search: [a.example], dns_opt: [use-vc], tmpfs: /run}}",
      "services: {web: {dns: [8.8.8.8, 1.1.1.1], dns_search: b.example, dns_opt: [use-vc, ndots:2], tmpfs: [/tmp, /run]}}",
    );
    assert.deepEqual(web.dns, ["1.1.1.1", "8.8.8.8"]);
    assert.deepEqual(web.dns_search, ["a.example", "b.example"]);
    assert.deepEqual(web.dns_opt, ["use-vc", "ndots:2"]);
    assert.deepEqual(web.tmpfs, ["/run", "/tmp"]);
  });

  it("appends extra_hosts as host=ip entries, keeping several addresses for one host", () => {
    const web = mergedWeb("services: {web: {extra_hosts: ['db:10.0.0.1']}}", "services: {web: {extra_hosts: {db: 10.0.0.2, cache: [10.0.0.3, '::1']}}}");
    assert.deepEqual(web.extra_hosts, ["db:10.0.0.1", "db=10.0.0.2", "cache=10.0.0.3", "cache=::1"]);
  });

  it("appends capabilities without repeats", () => {
    const web = mergedWeb("services: {web: {cap_add: [NET_ADMIN], cap_drop: [ALL]}}", "services: {web: {cap_add: [SYS_TIME, NET_ADMIN], cap_drop: [ALL]}}");
    assert.deepEqual([web.cap_add, web.cap_drop], [["NET_ADMIN", "SYS_TIME"], ["ALL"]]);
  });

  it("!override replaces dns", () => {
    assert.deepEqual(mergedWeb("services: {web: {dns: [1.1.1.1]}}", "services: {web: {dns: !override 9.9.9.9}}").dns, "9.9.9.9");
  });
});

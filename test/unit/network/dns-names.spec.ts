import assert from "node:assert/strict";
import { NameTable } from "../../../src/runtime/network/dns-names.js";

describe("DNS name table", function () {
  it("resolves every name of a container, case-insensitively, with or without the root dot or the network's name", function () {
    const table = new NameTable("shop_default");
    table.register({ containerId: "c1", address: "10.1.0.2", names: ["shop-web-1", "Web"] });
    for (const name of ["shop-web-1", "SHOP-WEB-1.", "web", "web.shop_default", "Web.Shop_Default."]) {
      assert.deepEqual(table.lookup(name), ["10.1.0.2"], name);
    }
    for (const name of ["db", "web.other", "shop_default", "eb"]) assert.equal(table.lookup(name), undefined, name);
    assert.equal(table.knows("WEB"), true);
    assert.equal(table.knows("db"), false);
  });

  it("returns every replica's address, each in turn at the head of the list", function () {
    const table = new NameTable("n");
    for (const i of [2, 3, 4]) table.register({ containerId: `c${i}`, address: `10.1.0.${i}`, names: [`web-${i}`, "web"] });
    table.register({ containerId: "db", address: "10.1.0.9", names: ["db"] });
    const heads = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const answer = table.lookup("web")!;
      assert.deepEqual([...answer].sort(), ["10.1.0.2", "10.1.0.3", "10.1.0.4"]);
      heads.add(answer[0]!);
      // Queries for other names in between do not disturb the rotation.
      assert.deepEqual(table.lookup("db"), ["10.1.0.9"]);
      assert.equal(table.knows("web"), true);
    }
    assert.equal(heads.size, 3);
    assert.deepEqual(table.lookup("web-3"), ["10.1.0.3"]);
  });

  it("forgets a container that leaves, and takes a re-registered one's new names and address", function () {
    const table = new NameTable("n");
    table.register({ containerId: "c1", address: "10.1.0.2", names: ["a", "web"] });
    table.register({ containerId: "c2", address: "10.1.0.3", names: ["b", "web"] });
    table.unregister("c1");
    assert.deepEqual(table.lookup("web"), ["10.1.0.3"]);
    assert.equal(table.lookup("a"), undefined);
    assert.equal(table.has("c1"), false);
    table.register({ containerId: "c2", address: "10.1.0.7", names: ["b2"] });
    assert.equal(table.lookup("b"), undefined);
    assert.deepEqual(table.lookup("b2"), ["10.1.0.7"]);
    table.unregister("missing");
  });

  it("answers reverse lookups with <container name>.<network name> and finds the container at an address", function () {
    const table = new NameTable("shop_default");
    table.register({ containerId: "c1", address: "10.1.0.2", names: ["Shop-Web-1", "web"] });
    assert.equal(table.reverse("10.1.0.2"), "shop-web-1.shop_default");
    assert.equal(table.reverse("10.1.0.3"), undefined);
    assert.equal(table.containerAt("10.1.0.2"), "c1");
    assert.equal(table.containerAt("10.1.0.1"), undefined);
  });
});

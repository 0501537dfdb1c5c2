import assert from "node:assert/strict";
import { normalizeYaml } from "./fixture.js";

describe("normalize: networks", () => {
  it("attaches services that say nothing about networking to an implicit default network", () => {
    const project = normalizeYaml("services: {web: {image: x}, host: {image: x, network_mode: host}}");
    assert.deepEqual(project.services.web!.networks, { default: null });
    assert.equal("networks" in project.services.host!, false);
    assert.deepEqual(project.networks, { default: { name: "demo_default" } });
  });

  it("creates no default network when no service uses it", () => {
    const project = normalizeYaml("services: {web: {image: x, networks: [front]}}\nnetworks: {front: {}}");
    assert.deepEqual(project.networks, { front: { name: "demo_front" } });
  });

  it("keeps a default network the file defines", () => {
    const project = normalizeYaml("services: {web: {image: x}}\nnetworks: {default: {name: shared, external: true}}");
    assert.deepEqual(project.networks, { default: { name: "shared", external: true } });
  });

  it("turns a service's network list into a map and drops extensions from attachments", () => {
    const text = "services: {web: {image: x, networks: {front: null, back: {aliases: [api], ipv4_address: 10.0.0.5, x-a: 1}}}}";
    assert.deepEqual(normalizeYaml(text).services.web!.networks, { front: null, back: { aliases: ["api"], ipv4_address: "10.0.0.5" } });
    assert.deepEqual(normalizeYaml("services: {web: {image: x, networks: [front, back]}}").services.web!.networks, { front: null, back: null });
  });

  it("joins the default network when networks is an empty map", () => {
    assert.deepEqual(normalizeYaml("services: {web: {image: x, networks: {}}}").services.web!.networks, { default: null });
  });
});

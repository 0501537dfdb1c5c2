import assert from "node:assert/strict";
import { web } from "./fixture.js";

describe("normalize: depends_on", () => {
  it("turns the list form into a map with compose's defaults", () => {
    assert.deepEqual(web("services: {web: {image: x, depends_on: [db, cache]}}").depends_on, {
      db: { condition: "service_started", required: true },
      cache: { condition: "service_started", required: true },
    });
  });

  it("fills defaults in the map form and keeps restart only when true", () => {
    const dependsOn = web("services: {web: {image: x, depends_on: {db: {condition: service_healthy, restart: true}, log: {condition: service_started, required: false, restart: false}}}}").depends_on;
    assert.deepEqual(dependsOn, {
      db: { condition: "service_healthy", required: true, restart: true },
      log: { condition: "service_started", required: false },
    });
  });

  it("adds the services that links, namespaces and volumes_from rely on, declared ones winning", () => {
    const service = web(`
services:
  web:
    image: x
    depends_on: {db: {condition: service_healthy}}
    links: ["db:database", cache]
    network_mode: service:vpn
    ipc: host
    volumes_from: [files:ro, "container:other"]
`);
    assert.deepEqual(service.depends_on, {
      db: { condition: "service_healthy", required: true },
      cache: { condition: "service_started", required: true, restart: true },
      vpn: { condition: "service_started", required: true, restart: true },
      files: { condition: "service_started", required: true },
    });
  });

  it("leaves depends_on out when nothing needs another service", () => {
    assert.equal("depends_on" in web("services: {web: {image: x}}"), false);
  });
});

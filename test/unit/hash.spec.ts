import assert from "node:assert/strict";
import { serviceHash } from "../../src/compose/hash.js";
import type { Service } from "../../src/compose/model.js";

const base: Service = {
  image: "nginx:1.27",
  environment: { A: "1", B: null },
  ports: [{ mode: "ingress", target: 80, published: "8080", protocol: "tcp" }],
  deploy: { resources: { limits: { memory: "536870912" } } },
};

describe("service config hash", () => {
  it("is a sha256 hex digest", () => {
    assert.match(serviceHash(base), /^[0-9a-f]{64}$/);
  });

  it("does not depend on key order at any level", () => {
    const reordered: Service = {
      deploy: { resources: { limits: { memory: "536870912" } } },
      ports: [{ protocol: "tcp", published: "8080", target: 80, mode: "ingress" }],
      environment: { B: null, A: "1" },
      image: "nginx:1.27",
    };
    assert.equal(serviceHash(reordered), serviceHash(base));
  });

  it("changes with anything that changes the container", () => {
    const variants: Service[] = [
      { ...base, image: "nginx:1.28" },
      { ...base, environment: { A: "2", B: null } },
      { ...base, environment: { A: "1", B: "" } },
      { ...base, ports: [{ ...base.ports![0]!, published: "8081" }] },
      { ...base, deploy: { resources: { limits: { memory: "1" } } } },
      { ...base, command: ["nginx", "-g", "daemon off;"] },
    ];
    const hashes = new Set([serviceHash(base), ...variants.map(serviceHash)]);
    assert.equal(hashes.size, variants.length + 1);
  });

  it("ignores how the image is built or pulled, scaling, start order and profiles", () => {
    const same: Service = {
      ...base,
      build: { context: "/srv/app", dockerfile: "Dockerfile" },
      pull_policy: "always",
      scale: 3,
      deploy: { ...base.deploy, replicas: 3 },
      depends_on: { db: { condition: "service_healthy", required: true } },
      profiles: ["debug"],
    };
    assert.equal(serviceHash(same), serviceHash(base));
  });

  it("hashes deploy with only replicas as no deploy at all", () => {
    const { deploy: _deploy, ...withoutDeploy } = base;
    assert.equal(serviceHash({ ...withoutDeploy, deploy: { replicas: 2 } }), serviceHash(withoutDeploy));
  });
});

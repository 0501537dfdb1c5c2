import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: secrets and configs", () => {
  it("keeps one secret per target; a secret without target is mounted at /run/secrets/<source>", () => {
    const web = mergedWeb(
      "services: {web: {secrets: [token, {source: key, target: /etc/key}]}}",
      "services: {web: {secrets: [{source: token, target: /run/secrets/token, uid: '1'}, {source: other, target: /etc/key}, extra]}}",
    );
    assert.deepEqual(web.secrets, [{ source: "token", target: "/run/secrets/token", uid: "1" }, { source: "other", target: "/etc/key" }, "extra"]);
  });

  it("keeps one config per target; a config without target is mounted at /<source>", () => {
    const web = mergedWeb(
      "services: {web: {configs: [app, {source: nginx, target: /etc/nginx.conf}]}}",
      "services: {web: {configs: [{source: app2, target: /app}, {source: nginx}]}}",
    );
    assert.deepEqual(web.configs, [{ source: "app2", target: "/app" }, { source: "nginx", target: "/etc/nginx.conf" }, { source: "nginx" }]);
  });

  it("!reset clears the list", () => {
    assert.equal(mergedWeb("services: {web: {secrets: [a]}}", "services: {web: {secrets: !reset []}}").secrets, undefined);
  });
});

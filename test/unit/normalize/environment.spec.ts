import assert from "node:assert/strict";
import { userError, web } from "./fixture.js";

const files = {
  "/srv/demo/base.env": "A=from-base\nB=from-base\nGREETING=hello\n",
  "/srv/demo/more.env": "B=from-more\nMESSAGE=${GREETING} ${USER}\n",
};

describe("normalize: environment and env_file", () => {
  it("reads env files in order, overrides them with environment, and drops env_file", () => {
    const text = "services: {web: {image: x, env_file: [/srv/demo/base.env, /srv/demo/more.env], environment: [A=own, 'EMPTY=']}}";
    const service = web(text, { files, env: { USER: "ann" } });
    assert.deepEqual(service.environment, { A: "own", B: "from-more", GREETING: "hello", MESSAGE: "hello ann", EMPTY: "" });
    assert.equal("env_file" in service, false);
  });

  it("takes a bare key from the shell, and keeps it null when the shell does not set it", () => {
    const service = web("services: {web: {image: x, environment: {HOME: null, MISSING: null, N: 1, ON: true}}}", { env: { HOME: "/root" } });
    assert.deepEqual(service.environment, { HOME: "/root", MISSING: null, N: "1", ON: "true" });
  });

  it("skips a missing optional file", () => {
    const service = web("services: {web: {image: x, env_file: [{path: /srv/demo/base.env}, {path: /nowhere.env, required: false}]}}", { files });
    assert.deepEqual(service.environment, { A: "from-base", B: "from-base", GREETING: "hello" });
  });

  it("locates a missing required file at its entry", () => {
    const err = userError(() => web("services:\n  web:\n    image: x\n    env_file:\n      - /srv/demo/base.env\n      - /nowhere.env\n", { files }));
    assert.equal(err.message, "compose.yaml:6:9: services.web.env_file[1]: env file /nowhere.env not found (set required: false to make it optional)");
  });

  it("refuses an env file format it cannot read", () => {
    const err = userError(() => web("services: {web: {image: x, env_file: [{path: /srv/demo/base.env, format: raw}]}}", { files }));
    assert.equal(err.detail, 'unsupported env_file format "raw" (leave format unset for the compose format)');
  });
});

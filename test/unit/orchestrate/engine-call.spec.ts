import assert from "node:assert/strict";
import { UserError } from "../../../src/compose/errors.js";
import { engineCall, tolerating } from "../../../src/orchestrate/engine-call.js";

const failing = (fields: object) => () => Promise.reject(Object.assign(new Error("raw"), fields));

describe("engine calls", () => {
  it("the engine's own message becomes the user's error, worded as the docker CLI words it", async () => {
    await assert.rejects(engineCall(failing({ statusCode: 409, json: { message: 'Conflict. The container name "/demo-web-1" is already in use' } })), (err) => {
      assert.ok(err instanceof UserError);
      assert.equal(err.message, 'Error response from daemon: Conflict. The container name "/demo-web-1" is already in use');
      return true;
    });
  });

  it("a streaming endpoint's failure (dockerode keeps the engine's message only in its own text) reads the same way", async () => {
    const pull = failing({ statusCode: 500, json: null, message: '(HTTP code 500) server error - GET "http://127.0.0.1:9/v2/x/manifests/1": connection refused ' });
    await assert.rejects(engineCall(pull), (err) => err instanceof UserError && err.message === 'Error response from daemon: GET "http://127.0.0.1:9/v2/x/manifests/1": connection refused');
  });

  it("an engine that does not answer, or hangs up, is a user error too; anything else stays a bug", async () => {
    await assert.rejects(engineCall(failing({ code: "ECONNREFUSED", message: "connect ECONNREFUSED /run/x.sock" })), /^UserError: cannot reach the engine \(connect ECONNREFUSED \/run\/x\.sock\): is it running\?$/);
    await assert.rejects(engineCall(failing({ code: "ECONNRESET", message: "socket hang up" })), UserError);
    await assert.rejects(engineCall(failing({})), (err) => !(err instanceof UserError));
  });

  it("tolerating: the listed statuses count as success (already stopped, already gone), others still fail", async () => {
    await tolerating([304, 404], failing({ statusCode: 304 }));
    await assert.rejects(tolerating([404], failing({ statusCode: 500 })), /raw/);
  });
});

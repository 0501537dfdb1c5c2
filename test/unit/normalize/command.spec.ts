import assert from "node:assert/strict";
import { splitShellWords } from "../../../src/compose/normalize/command.js";
import { userError, web } from "./fixture.js";

describe("normalize: command and entrypoint", () => {
  it("splits a string into words as a shell would, without expanding anything", () => {
    assert.deepEqual(splitShellWords(`sh -c 'echo "$HOME"'  a\\ b "x \\"y\\" \\n" ''`), ["sh", "-c", 'echo "$HOME"', "a b", 'x "y" \\n', ""]);
  });

  it("keeps the list form, and an empty list that clears the image's command", () => {
    const service = web("services: {web: {image: x, command: [echo, 'a b'], entrypoint: []}}");
    assert.deepEqual(service.command, ["echo", "a b"]);
    assert.deepEqual(service.entrypoint, []);
  });

  it("splits the string form of both keys", () => {
    const service = web(`services: {web: {image: x, command: "bundle exec thin -p 3000", entrypoint: /code/entrypoint.sh -p 3000}}`);
    assert.deepEqual(service.command, ["bundle", "exec", "thin", "-p", "3000"]);
    assert.deepEqual(service.entrypoint, ["/code/entrypoint.sh", "-p", "3000"]);
  });

  it("locates an unclosed quote", () => {
    const err = userError(() => web(`services:\n  web:\n    image: x\n    command: echo 'oops\n`));
    assert.equal(err.message, "compose.yaml:4:5: services.web.command: unclosed ' quote in command (close it, or use the list form)");
  });
});

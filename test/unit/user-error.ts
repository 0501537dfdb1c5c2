// The UserError a call throws, for tests that check its message and position.
import assert from "node:assert/strict";
import { UserError } from "../../src/compose/errors.js";

export function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    return err;
  }
  return assert.fail("expected a UserError");
}

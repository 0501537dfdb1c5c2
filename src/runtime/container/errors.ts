// Errors of the container service. The image store's kinds (NotFound 404, Conflict 409, InvalidArgument 400)
// cover most; two more are specific to containers.
export { EngineError, conflict, invalid, notFound } from "../image/errors.js";

/** A request that is valid Docker but asks for something berth does not offer yet (HTTP 501). */
export class NotImplementedError extends Error {
  override name = "NotImplementedError";
}

/** The operation would change nothing (HTTP 304): start of a running container, stop of a stopped one. */
export class NotModifiedError extends Error {
  override name = "NotModifiedError";
}

/** The exit code Docker gives a process that could not be started: 127 no such command, 126 any other failure. */
export function startFailureCode(errno: number): number {
  return errno === 2 ? 127 : 126; // 2: ENOENT
}

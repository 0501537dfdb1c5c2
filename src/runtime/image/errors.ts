// Errors the engine's callers can act on. The HTTP layer maps kinds to statuses: NotFound 404,
// Conflict 409, InvalidArgument 400; the message is shown to the user as is.

export type ErrorKind = "NotFound" | "Conflict" | "InvalidArgument";

export class EngineError extends Error {
  override name = "EngineError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (message: string) => new EngineError("NotFound", message);
export const conflict = (message: string) => new EngineError("Conflict", message);
export const invalid = (message: string) => new EngineError("InvalidArgument", message);

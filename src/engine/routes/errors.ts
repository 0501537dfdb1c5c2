// The runtime's errors as API answers: NotFound 404, Conflict 409, InvalidArgument and UserError 400,
// NotImplemented 501, NotModified 304 with no body.
import { UserError } from "../../compose/errors.js";
import { EngineError } from "../../runtime/image/errors.js";
import { NotImplementedError, NotModifiedError } from "../../runtime/container/errors.js";
import { ApiError } from "../errors.js";
import type { Context, Handler } from "../router.js";

const STATUS = { NotFound: 404, Conflict: 409, InvalidArgument: 400 } as const;

function toApiError(err: unknown): unknown {
  if (err instanceof EngineError) return new ApiError(STATUS[err.kind], err.message);
  if (err instanceof NotImplementedError) return new ApiError(501, err.message);
  if (err instanceof UserError) return new ApiError(400, err.message);
  return err;
}

/** Wraps a handler so that runtime errors reach the client with Docker's status codes. */
export function mapped(handler: Handler): Handler {
  return async (ctx: Context) => {
    try {
      await handler(ctx);
    } catch (err) {
      if (err instanceof NotModifiedError && !ctx.res.headersSent) {
        ctx.res.writeHead(304);
        ctx.res.end();
        return;
      }
      throw toApiError(err);
    }
  };
}

// An error the API reports to its client: Docker's status code and a `{"message": ...}` body.

export class ApiError extends Error {
  override name = "ApiError";

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

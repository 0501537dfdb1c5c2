// A command that ends with a particular exit status and nothing more to say (an interrupted foreground `up`: 130).
export class ExitStatus extends Error {
  constructor(readonly status: number) {
    super(`exit status ${status}`);
    this.name = "ExitStatus";
  }
}

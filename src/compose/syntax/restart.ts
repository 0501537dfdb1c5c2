// The `restart` policy: "no", "always", "unless-stopped", "on-failure[:max-retries]", checked as the Docker engine does.
import { ValueError } from "../errors.js";

const POLICIES = ["no", "always", "on-failure", "unless-stopped"] as const;

export interface RestartPolicy {
  name: (typeof POLICIES)[number];
  maxRetries?: number;
}

const isPolicy = (name: string): name is RestartPolicy["name"] => (POLICIES as readonly string[]).includes(name);

export function parseRestartPolicy(text: string): RestartPolicy {
  // The engine reads an empty policy as "no"; it is what an unset `${RESTART}` gives.
  if (text === "") return { name: "no" };
  const colon = text.indexOf(":");
  const name = colon < 0 ? text : text.slice(0, colon);
  const retries = colon < 0 ? "" : text.slice(colon + 1);
  if (!isPolicy(name)) throw new ValueError(`invalid restart policy "${text}" (use no, always, on-failure[:max-retries] or unless-stopped)`);
  if (retries === "") return { name };
  if (name !== "on-failure") throw new ValueError(`a retry count is only allowed with on-failure, not with "${name}"`);
  if (!/^\d+$/.test(retries)) throw new ValueError(`invalid retry count "${retries}" (use a whole number, e.g. "on-failure:3")`);
  return { name, maxRetries: Number(retries) };
}

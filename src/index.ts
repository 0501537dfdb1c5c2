// berth as a library: the Project API for test suites (see README, "Using berth from tests").
export { Project, type ContainerOptions, type ExecOptions, type ExecResult, type ProjectOptions, type ProjectUpOptions } from "./orchestrate/project.js";
export type { Progress, ProgressEvent } from "./orchestrate/progress.js";

// The up/down e2e subset (engines/compose-suite.ts), the same test bodies against berthd and against a real
// Docker engine (Debian's docker.io, run by engines/dockerd.sh in a namespace of its own). Without docker.io
// the dockerd half fails, saying what to install: it is not skipped.
import { startBerthdEngine } from "./engines/berthd.js";
import { composeSuite } from "./engines/compose-suite.js";
import { startDockerd } from "./engines/dockerd.js";

composeSuite("berthd", startBerthdEngine);
composeSuite("dockerd (docker.io)", startDockerd);

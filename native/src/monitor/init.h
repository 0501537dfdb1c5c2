// `berth-monitor --init PROGRAM -- ARGV...`: a minimal pid 1 for containers with Init set (what
// tini is for Docker). It runs ARGV as its child, forwards every signal to it, reaps orphans, and
// exits with the child's status (128+signal when killed).
#pragma once

int init_main(int argc, char **argv);

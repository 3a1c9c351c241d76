#include "BuildInfo.h"

// commit.h is written by scripts/stamp-commit (not tracked): one line,
// #define CAMPAIGND_COMMIT "…". Without it the build still works and says "unknown".
#if __has_include("commit.h")
#include "commit.h"
#endif
#ifndef CAMPAIGND_COMMIT
#define CAMPAIGND_COMMIT "unknown"
#endif

const char *campaignd_build_commit(void) { return CAMPAIGND_COMMIT; }

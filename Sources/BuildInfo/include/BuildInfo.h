#ifndef CAMPAIGND_BUILD_INFO_H
#define CAMPAIGND_BUILD_INFO_H

/// The commit campaignd was built from (12 hex digits, "-dirty" if the work tree had changes),
/// or "unknown" when the build was not stamped: see scripts/stamp-commit.
const char *campaignd_build_commit(void);

#endif

#ifndef CAMPAIGND_SQLITE_SETTINGS_H
#define CAMPAIGND_SQLITE_SETTINGS_H

/// Turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS): with them on, every
/// allocation SQLite makes takes a process-wide mutex to count it, some 10 % of a tick's writer
/// thread. Must run before SQLite initialises (the first connection); later it changes nothing.
/// Returns SQLite's result code (SQLITE_OK, or SQLITE_MISUSE once SQLite is initialised).
int campaignd_sqlite_disable_memory_statistics(void);

#endif

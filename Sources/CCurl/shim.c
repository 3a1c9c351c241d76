// The CCurl module is header-only (typed inline wrappers in include/ccurl.h); SwiftPM needs one
// source file to build a C target.
#include "ccurl.h"

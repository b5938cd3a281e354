// The target's functions are `static inline` in include/CIntrinsics.h; SwiftPM needs one source file.
#include "CIntrinsics.h"

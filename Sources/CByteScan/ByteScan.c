// The scans are inline functions of CByteScan.h; this file gives the target its one source.
#include "CByteScan.h"

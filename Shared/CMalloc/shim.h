// glibc's allocator controls (malloc_trim, mallinfo2), which Swift's Glibc module leaves out.
// The kit's MemoryTrim uses them; nothing to link beyond libc.
#include <malloc.h>

// In Swift `mallinfo2()` also names the struct's zero initializer, and which one a call picks
// depends on what else is imported; this name is only the function.
static inline struct mallinfo2 tract_heap_info(void) { return mallinfo2(); }

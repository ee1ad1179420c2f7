// zlib from the system (zlib1g-dev): NIO's HTTP compression already builds against it, so this
// adds no package. Investments inflates the deflate entries of a K-1 ZIP with it.
#include <zlib.h>

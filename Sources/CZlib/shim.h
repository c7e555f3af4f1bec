// zlib (Debian: zlib1g-dev), for reading gzip files.
#include <zlib.h>

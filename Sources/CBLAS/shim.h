// OpenBLAS's CBLAS declarations (Debian installs cblas.h in the multiarch include directory).
#include <cblas.h>

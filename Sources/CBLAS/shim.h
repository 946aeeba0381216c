// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, found through pkg-config "openblas").
// cblas.h also declares openblas_set_num_threads / openblas_get_num_threads.
#pragma once
#include <cblas.h>

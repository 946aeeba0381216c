// zlib, for reading .csv.gz inputs (Debian: zlib1g-dev, pulled in by libhdf5-dev).
#pragma once
#include <zlib.h>

// libdeflate (Debian: libdeflate-dev, found through pkg-config "libdeflate"): whole-buffer
// zlib-format compression and decompression, used for HDF5 deflate chunks (H5DirectChunks.swift).
#pragma once
#include <libdeflate.h>

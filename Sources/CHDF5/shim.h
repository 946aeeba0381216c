// libhdf5 (Debian: libhdf5-dev 1.10, serial, found through pkg-config "hdf5").
// Many HDF5 constants are macros that expand to global ids behind H5open() or to casts,
// which Swift cannot import. Each accessor below returns one such macro's value.
#pragma once
#include <hdf5.h>

// Default / "all" placeholders.
static inline hid_t mtkd_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t mtkd_h5s_all(void) { return H5S_ALL; }
static inline hid_t mtkd_h5e_default(void) { return H5E_DEFAULT; }

// File access flags for H5Fcreate / H5Fopen.
static inline unsigned mtkd_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned mtkd_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned mtkd_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }

// Property list classes for H5Pcreate.
static inline hid_t mtkd_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t mtkd_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t mtkd_h5p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t mtkd_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t mtkd_h5p_dataset_access(void) { return H5P_DATASET_ACCESS; }

// In-memory (native) element types.
static inline hid_t mtkd_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t mtkd_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t mtkd_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t mtkd_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t mtkd_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }

// On-disk element types: explicit little-endian, so files do not depend on the writer.
static inline hid_t mtkd_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t mtkd_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t mtkd_h5t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t mtkd_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t mtkd_h5t_std_u8le(void) { return H5T_STD_U8LE; }

// C string base type (copy it, then make it variable-length UTF-8).
static inline hid_t mtkd_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t mtkd_h5t_variable(void) { return H5T_VARIABLE; }

// Chunk-cache "keep the default" values for H5Pset_chunk_cache.
static inline size_t mtkd_h5d_chunk_cache_nslots_default(void) { return H5D_CHUNK_CACHE_NSLOTS_DEFAULT; }
static inline double mtkd_h5d_chunk_cache_w0_default(void) { return H5D_CHUNK_CACHE_W0_DEFAULT; }

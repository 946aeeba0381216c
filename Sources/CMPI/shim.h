// Open MPI's C API (Debian: libopenmpi-dev, pkg-config ompi-c). Its handles (MPI_COMM_WORLD,
// MPI_BYTE, MPI_STATUS_IGNORE, …) are macros Swift cannot import: accessors return them.
#pragma once
#include <mpi.h>

static inline MPI_Comm mtkd_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype mtkd_mpi_byte(void) { return MPI_BYTE; }
static inline void *mtkd_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *mtkd_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline int mtkd_mpi_success(void) { return MPI_SUCCESS; }
static inline int mtkd_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline MPI_Info mtkd_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline int mtkd_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline int mtkd_mpi_mode_nocheck(void) { return MPI_MODE_NOCHECK; }
static inline MPI_Win mtkd_mpi_win_null(void) { return MPI_WIN_NULL; }
static inline MPI_Comm mtkd_mpi_comm_null(void) { return MPI_COMM_NULL; }

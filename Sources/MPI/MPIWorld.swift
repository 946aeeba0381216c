#if canImport(Glibc)
import Glibc
#endif
import CMPI

/// The Swift face of MPI_COMM_WORLD (Open MPI): the ranks `mpirun -np N` started, and the few
/// collectives mtkd needs. Knows nothing about training.
public final class MPIWorld: @unchecked Sendable {
    /// 0-based rank of this process.
    public let rank: Int
    /// Ranks in all.
    public let size: Int
    private let comm: MPI_Comm
    /// The ranks on this machine (`MPI_Comm_split_type` shared), made on first use.
    private var node: MPI_Comm?
    /// The shared-memory window of `sharedMemory`, if one was made, and its bytes.
    private var window: (win: MPI_Win?, memory: UnsafeMutableRawBufferPointer)?

    /// The number of ranks `mpirun` (Open MPI, or a PMIx launcher such as Slurm's srun) started
    /// this process among, from its environment; nil when it was not started that way.
    public static var launchedSize: Int? {
        for key in ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"] {
            if let v = getenv(key), let n = Int(String(cString: v)) { return n }
        }
        return nil
    }

    /// Initialises MPI (once per process; collectives from the main thread only).
    public init() throws {
        // A rank waiting in a collective yields its core instead of spinning on it: ranks train in
        // lockstep, and on a machine shared with other work a spinning rank takes the time its
        // partner needs (an explicit OMPI_MCA_mpi_yield_when_idle wins).
        setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0)
        var provided: Int32 = 0
        let rc = MPI_Init_thread(nil, nil, mtkd_mpi_thread_funneled(), &provided)
        guard rc == mtkd_mpi_success() else { throw MPIError(call: "MPI_Init_thread", code: rc) }
        comm = mtkd_mpi_comm_world()
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(comm, &r)
        MPI_Comm_size(comm, &s)
        rank = Int(r); size = Int(s)
    }

    /// In place: `all` is `size` equal slots, this rank's filled; on return every rank's
    /// (MPI_Allgather with MPI_IN_PLACE).
    public func allGather(_ all: UnsafeMutableRawBufferPointer) {
        precondition(all.count % size == 0, "allGather: \(all.count) bytes for \(size) ranks")
        let slot = all.count / size
        precondition(slot <= Int(Int32.max), "allGather: more than 2 GiB per rank")
        let rc = MPI_Allgather(mtkd_mpi_in_place(), 0, mtkd_mpi_byte(), all.baseAddress, Int32(slot), mtkd_mpi_byte(), comm)
        check(rc, "MPI_Allgather")
    }

    /// `bytes` bytes every rank maps (an MPI-3 shared-memory window, allocated on rank 0), when
    /// all ranks run on one machine; nil otherwise. Collective; a larger request replaces the
    /// window, a smaller one reuses it. The window stays in a passive-target epoch (lock_all)
    /// so that `barrier` can order the ranks' loads and stores with MPI_Win_sync.
    public func sharedMemory(bytes: Int) -> UnsafeMutableRawBufferPointer? {
        if node == nil {
            var n: MPI_Comm? = nil
            check(MPI_Comm_split_type(comm, mtkd_mpi_comm_type_shared(), 0, mtkd_mpi_info_null(), &n), "MPI_Comm_split_type")
            node = n
        }
        var nodeSize: Int32 = 0
        MPI_Comm_size(node, &nodeSize)
        guard Int(nodeSize) == size else { return nil }
        if let window, window.memory.count >= bytes { return window.memory }
        freeWindow()
        var win: MPI_Win? = nil
        var base: UnsafeMutableRawPointer? = nil
        let mine = rank == 0 ? MPI_Aint(bytes) : 0
        check(withUnsafeMutablePointer(to: &base) { MPI_Win_allocate_shared(mine, 1, mtkd_mpi_info_null(), node, $0, &win) },
              "MPI_Win_allocate_shared")
        var size: MPI_Aint = 0
        var unit: Int32 = 0
        var first: UnsafeMutableRawPointer? = nil
        check(withUnsafeMutablePointer(to: &first) { MPI_Win_shared_query(win, 0, &size, &unit, $0) }, "MPI_Win_shared_query")
        check(MPI_Win_lock_all(mtkd_mpi_mode_nocheck(), win), "MPI_Win_lock_all")
        let memory = UnsafeMutableRawBufferPointer(start: first, count: bytes)
        window = (win, memory)
        if rank == 0 { memory.initializeMemory(as: UInt8.self, repeating: 0) }
        barrier()
        return memory
    }

    /// Every rank waits for all; loads and stores to the shared window before it are ordered
    /// before those after it on every rank (MPI_Win_sync, MPI_Barrier, MPI_Win_sync).
    public func barrier() {
        if let win = window?.win { check(MPI_Win_sync(win), "MPI_Win_sync") }
        check(MPI_Barrier(comm), "MPI_Barrier")
        if let win = window?.win { check(MPI_Win_sync(win), "MPI_Win_sync") }
    }

    private func freeWindow() {
        guard let w = window?.win else { return }
        var win: MPI_Win? = w
        MPI_Win_unlock_all(w)
        MPI_Win_free(&win)
        window = nil
    }

    /// Rank 0's `bytes` to every rank. Ranks other than 0 wait with a non-blocking broadcast
    /// polled every `pollMilliseconds`, so a rank idle for long (while rank 0 runs other work)
    /// does not spin on a core.
    public func broadcast(_ bytes: inout [UInt8], pollMilliseconds: Int) {
        precondition(bytes.count <= Int(Int32.max))
        var request: MPI_Request?
        let count = Int32(bytes.count)
        bytes.withUnsafeMutableBytes { b in
            check(MPI_Ibcast(b.baseAddress, count, mtkd_mpi_byte(), 0, comm, &request), "MPI_Ibcast")
            var done: Int32 = 0
            while true {
                check(MPI_Test(&request, &done, mtkd_mpi_status_ignore()), "MPI_Test")
                if done != 0 { break }
                if rank != 0 { usleep(useconds_t(pollMilliseconds * 1000)) }
            }
        }
    }

    /// `broadcast` polled every 2 ms.
    public func broadcast(_ bytes: inout [UInt8]) { broadcast(&bytes, pollMilliseconds: 2) }

    /// Ends every rank of the job (MPI_Abort): for a rank that cannot continue while the others
    /// may be waiting for it in a collective.
    public func abort(_ code: Int32) -> Never {
        MPI_Abort(comm, code)
        exit(code)
    }

    /// Ends MPI in this process (every rank, once, before exiting normally).
    public func finalize() {
        freeWindow()
        if node != nil { MPI_Comm_free(&node) }
        MPI_Finalize()
    }

    private func check(_ rc: Int32, _ call: String) {
        guard rc != mtkd_mpi_success() else { return }
        // Open MPI's default error handler aborts before this; kept for other handlers.
        fputs("mtkd: \(call) failed (MPI error \(rc)) on rank \(rank)\n", stderr)
        abort(1)
    }
}

/// An MPI call that failed.
public struct MPIError: Error, CustomStringConvertible {
    public var call: String
    public var code: Int32
    public var description: String { "\(call) failed (MPI error \(code))" }
}

// Getting a table's bytes: whole files, file prefixes, gzip inflation with zlib.

import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The largest text a table may hold: cell offsets are 32-bit.
let _maximumTextSize = Int(UInt32.max)

/// Whether bytes start with the gzip magic number 1f 8b.
func _isGzip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
}

/// An open file descriptor, closed on deinit.
final class _InputFile {
    let path: String
    let fd: Int32

    init(_ path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw CSVError.fileNotFound(file: path) }
            throw CSVError.notReadable(file: path, reason: _describe(code))
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The size the file system reports (0 for pipes).
    func reportedSize() -> Int {
        var info = stat()
        return fstat(fd, &info) == 0 ? max(0, Int(info.st_size)) : 0
    }

    /// Reads up to `count` bytes into `buffer`; 0 at the end of the file.
    func readBytes(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        while true {
            let n = read(fd, buffer, count)
            if n >= 0 { return n }
            let code = errno
            if code == EINTR { continue }
            throw CSVError.notReadable(file: path, reason: _describe(code))
        }
    }

    /// Appends up to `count` bytes to `bytes`; returns how many (0 at the end of the file).
    func append(to bytes: inout [UInt8], count: Int) throws -> Int {
        let old = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count))
        let n = try bytes.withUnsafeMutableBytes { try readBytes(into: $0.baseAddress! + old, count: count) }
        bytes.removeLast(count - n)
        return n
    }

    /// The whole file.
    func readAll() throws -> [UInt8] {
        let size = reportedSize()
        guard size <= _maximumTextSize else { throw CSVError.fileTooLarge(file: path) }
        var failure: Error?
        var bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var got = 0
            do {
                while got < size {
                    let n = try readBytes(into: buffer.baseAddress! + got, count: size - got)
                    if n == 0 { break }
                    got += n
                }
            } catch { failure = error }
            initialized = got
        }
        if let failure { throw failure }
        // Pipes report no size, and a file may have grown: read on to the end, through a
        // small buffer so that a file read in full is not copied into a bigger array.
        let chunk = 1 << 16
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 8)
        defer { buffer.deallocate() }
        while case let n = try readBytes(into: buffer, count: chunk), n > 0 {
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: n))
            guard bytes.count <= _maximumTextSize else { throw CSVError.fileTooLarge(file: path) }
        }
        return bytes
    }
}

private func _describe(_ code: Int32) -> String {
    String(cString: strerror(code)).lowercased()
}

/// A zlib inflate stream reading gzip (or zlib) data; owns the z_stream.
final class _Inflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let source: String

    init(source: String) throws {
        self.source = source
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 32: a 32 KiB window, and detect the gzip or zlib header.
        let rc = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            throw CSVError.corruptGzip(file: source, reason: "zlib cannot start (code \(rc))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Prepares for the next gzip member of a multi-member file.
    func reset() { inflateReset(stream) }

    /// Inflates from `input` into `output[produced...]`, growing `output` as needed, until the
    /// input is used up or the stream ends.
    /// - Returns: how many input bytes were used, and whether the stream ended.
    func run(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], produced: inout Int)
        throws -> (consumed: Int, ended: Bool)
    {
        var consumed = 0
        while true {
            if produced == output.count {
                guard output.count < _maximumTextSize else { throw CSVError.fileTooLarge(file: source) }
                let extra = min(max(output.count, 1 << 16), _maximumTextSize + 1 - output.count)
                output.append(contentsOf: repeatElement(0, count: extra))
            }
            let inputChunk = min(input.count - consumed, 1 << 30)
            let outputChunk = min(output.count - produced, 1 << 30)
            let rc: Int32 = output.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
                stream.pointee.avail_in = uInt(inputChunk)
                stream.pointee.next_out = out.baseAddress! + produced
                stream.pointee.avail_out = uInt(outputChunk)
                return inflate(stream, Z_NO_FLUSH)
            }
            consumed += inputChunk - Int(stream.pointee.avail_in)
            produced += outputChunk - Int(stream.pointee.avail_out)
            switch rc {
            case Z_STREAM_END:
                return (consumed, true)
            case Z_OK, Z_BUF_ERROR:
                // No more input and room left over: all that can be inflated has been.
                if consumed == input.count && stream.pointee.avail_out > 0 { return (consumed, false) }
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                throw CSVError.corruptGzip(file: source, reason: message)
            }
        }
    }
}

/// The decompressed content of gzip data (all members of a multi-member file).
func _inflateAll(_ input: UnsafeBufferPointer<UInt8>, source: String) throws -> [UInt8] {
    let inflater = try _Inflater(source: source)
    // The gzip trailer holds the uncompressed size mod 2^32: exact for one member < 4 GiB.
    // Deflate cannot exceed ~1032:1, which bounds a damaged trailer.
    var hint = 1 << 16
    if input.count >= 18 {
        let n = input.count
        let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        hint = min(isize, input.count * 1032) + 64
    }
    var output = [UInt8](repeating: 0, count: min(hint, _maximumTextSize + 1))
    var produced = 0
    var consumed = 0
    while true {
        let rest = UnsafeBufferPointer(rebasing: input[consumed...])
        let (used, ended) = try inflater.run(rest, into: &output, produced: &produced)
        consumed += used
        guard ended else { throw CSVError.corruptGzip(file: source, reason: "unexpected end of data") }
        // Another gzip member may follow; anything else after the end is ignored, as gzip does.
        guard input.count - consumed >= 2, input[consumed] == 0x1F, input[consumed + 1] == 0x8B else { break }
        inflater.reset()
    }
    output.removeLast(output.count - produced)
    return output
}

/// Reads the start of a file, plain or gzip, a chunk at a time.
struct _PrefixReader {
    private let file: _InputFile
    private var inflater: _Inflater?
    private var pending: [UInt8] = []       // compressed bytes read but not yet inflated
    private var started = false
    private(set) var text: [UInt8] = []
    private(set) var atEnd = false
    private var produced = 0
    private let chunk = 1 << 16

    init(_ path: String) throws { file = try _InputFile(path) }

    /// Adds more text (or sets `atEnd`).
    mutating func readMore() throws {
        if !started {
            started = true
            _ = try file.append(to: &pending, count: chunk)
            if pending.withUnsafeBufferPointer(_isGzip) {
                inflater = try _Inflater(source: file.path)
            } else {
                text = pending; pending = []
                atEnd = text.isEmpty
                return
            }
        } else if inflater == nil {
            atEnd = try file.append(to: &text, count: chunk) == 0
            return
        }
        guard let inflater else { return }
        // Inflate until some new text appears or the file ends.
        let before = produced
        while produced == before && !atEnd {
            if pending.isEmpty {
                if try file.append(to: &pending, count: chunk) == 0 {
                    throw CSVError.corruptGzip(file: file.path, reason: "unexpected end of data")
                }
            }
            let (used, ended) = try pending.withUnsafeBufferPointer {
                try inflater.run($0, into: &text, produced: &produced)
            }
            pending.removeFirst(used)
            if ended {
                if pending.count < 2 { _ = try file.append(to: &pending, count: chunk) }
                if pending.count >= 2 && pending[0] == 0x1F && pending[1] == 0x8B {
                    inflater.reset()
                } else {
                    atEnd = true
                }
            }
        }
        text.removeLast(text.count - produced)
    }
}

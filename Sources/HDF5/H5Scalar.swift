import CHDF5

/// The element types a dataset can hold, as this module reads and writes them.
///
/// For datasets written elsewhere, `H5Dataset.elementType` is the nearest case that reads the
/// values without loss where possible (e.g. a 16-bit integer reports `.int32`).
public enum H5ElementType: String, Sendable {
    case float32, float64, int32, int64, uint8, string

    /// Bytes per element in memory (for `.string`, one `char*`).
    public var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .uint8: return 1
        case .string: return MemoryLayout<UnsafePointer<CChar>>.size
        }
    }
}

/// A Swift number type that maps to a native HDF5 type: Float, Double, Int32, Int64, UInt8.
public protocol H5Scalar {
    /// The element type stored for this Swift type.
    static var h5ElementType: H5ElementType { get }
}

extension Float: H5Scalar { public static var h5ElementType: H5ElementType { .float32 } }
extension Double: H5Scalar { public static var h5ElementType: H5ElementType { .float64 } }
extension Int32: H5Scalar { public static var h5ElementType: H5ElementType { .int32 } }
extension Int64: H5Scalar { public static var h5ElementType: H5ElementType { .int64 } }
extension UInt8: H5Scalar { public static var h5ElementType: H5ElementType { .uint8 } }

extension H5ElementType {
    /// The native in-memory HDF5 type; for `.string` a new variable-length UTF-8 type the caller closes.
    /// Call inside `H5Library.sync`.
    func memoryType() throws -> (id: hid_t, owned: Bool) {
        switch self {
        case .float32: return (mtkd_h5t_native_float(), false)
        case .float64: return (mtkd_h5t_native_double(), false)
        case .int32: return (mtkd_h5t_native_int32(), false)
        case .int64: return (mtkd_h5t_native_int64(), false)
        case .uint8: return (mtkd_h5t_native_uint8(), false)
        case .string: return (try makeVariableStringType(), true)
        }
    }

    /// The on-disk HDF5 type (explicit little-endian); for `.string` a new type the caller closes.
    /// Call inside `H5Library.sync`.
    func fileType() throws -> (id: hid_t, owned: Bool) {
        switch self {
        case .float32: return (mtkd_h5t_ieee_f32le(), false)
        case .float64: return (mtkd_h5t_ieee_f64le(), false)
        case .int32: return (mtkd_h5t_std_i32le(), false)
        case .int64: return (mtkd_h5t_std_i64le(), false)
        case .uint8: return (mtkd_h5t_std_u8le(), false)
        case .string: return (try makeVariableStringType(), true)
        }
    }

    /// The element type that best describes a stored HDF5 type, or nil for unsupported classes
    /// (compound, enum, opaque, reference, …). Call inside `H5Library.sync`.
    static func describing(_ type: hid_t) -> H5ElementType? {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            return size <= 4 ? .float32 : .float64
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) == H5T_SGN_2
            if !signed && size == 1 { return .uint8 }
            if size < 4 || (size == 4 && signed) { return .int32 }
            return .int64
        case H5T_STRING:
            return .string
        default:
            return nil
        }
    }
}

/// A new variable-length, null-terminated UTF-8 string type. Call inside `H5Library.sync`.
func makeVariableStringType() throws -> hid_t {
    let type = try H5Library.check(H5Tcopy(mtkd_h5t_c_s1()), "create string type", "")
    do {
        try H5Library.check(H5Tset_size(type, mtkd_h5t_variable()), "create string type", "")
        try H5Library.check(H5Tset_cset(type, H5T_CSET_UTF8), "create string type", "")
        try H5Library.check(H5Tset_strpad(type, H5T_STR_NULLTERM), "create string type", "")
    } catch {
        H5Tclose(type)
        throw error
    }
    return type
}

/// Checks that `T` really is one of the plain number types HDF5 can fill (guards foreign conformances).
func checkScalarLayout<T: H5Scalar>(_ type: T.Type, _ operation: String, _ path: String) throws {
    let element = T.h5ElementType
    guard element != .string, _isPOD(T.self), MemoryLayout<T>.stride == element.byteSize else {
        throw H5Error(operation: operation, path: path,
                      message: "\(T.self) is not a plain \(element.rawValue) number type")
    }
}

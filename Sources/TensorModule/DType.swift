import Glibc

/// The element type of a ``Tensor``.
///
/// `float32` is what models train in; `float64` is for gradient checks and for users who want the extra precision.
/// Every op exists for both; the two operands of a binary op must have the same type (convert with
/// ``Tensor/converted(to:)``). `int32` holds token ids, class labels and indices: it is created, reshaped, sliced,
/// joined, compared, gathered and turned one-hot, and converted to a float type for arithmetic; float math on it
/// stops with a message naming the op.
///
/// ```swift
/// let x = Tensor.zeros([2, 3], dtype: .float64)
/// print(x.dtype)  // float64
/// ```
public enum DType: String, Sendable, CaseIterable, Codable {
    case float32
    case float64
    case int32

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64: return 8
        }
    }

    /// The float types, which every arithmetic op and gradient takes.
    public static let floatingPointTypes: [DType] = [.float32, .float64]

    /// Whether the elements are floating-point numbers (what arithmetic and gradients need).
    public var isFloatingPoint: Bool { self != .int32 }
}

/// A floating-point type a ``Tensor`` can hold: `Float` or `Double`.
///
/// The math functions are spelled out here so kernels written once, generically, specialise to direct libm calls.
public protocol TensorScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable, CustomStringConvertible {
    static var dtype: DType { get }
    static func exp(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    /// The complementary error function 1 − erf(x), accurate where erf(x) is close to −1 (GELU's left tail).
    static func erfc(_ x: Self) -> Self
    /// √x through libm's sqrt, which (with -fno-math-errno) becomes a vectorizable instruction; `squareRoot()`
    /// reaches a non-inlined shim in generic code.
    static func sqrt(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
}

extension Float: TensorScalar {
    public static var dtype: DType { .float32 }
    @inlinable @inline(__always) public static func exp(_ x: Float) -> Float { Glibc.expf(x) }
    @inlinable @inline(__always) public static func expm1(_ x: Float) -> Float { Glibc.expm1f(x) }
    @inlinable @inline(__always) public static func log(_ x: Float) -> Float { Glibc.logf(x) }
    @inlinable @inline(__always) public static func log1p(_ x: Float) -> Float { Glibc.log1pf(x) }
    @inlinable @inline(__always) public static func tanh(_ x: Float) -> Float { Glibc.tanhf(x) }
    @inlinable @inline(__always) public static func sin(_ x: Float) -> Float { Glibc.sinf(x) }
    @inlinable @inline(__always) public static func cos(_ x: Float) -> Float { Glibc.cosf(x) }
    @inlinable @inline(__always) public static func erfc(_ x: Float) -> Float { Glibc.erfcf(x) }
    @inlinable @inline(__always) public static func sqrt(_ x: Float) -> Float { Glibc.sqrtf(x) }
    @inlinable @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { Glibc.powf(x, y) }
}

extension Double: TensorScalar {
    public static var dtype: DType { .float64 }
    @inlinable @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inlinable @inline(__always) public static func expm1(_ x: Double) -> Double { Glibc.expm1(x) }
    @inlinable @inline(__always) public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inlinable @inline(__always) public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    @inlinable @inline(__always) public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    @inlinable @inline(__always) public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inlinable @inline(__always) public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inlinable @inline(__always) public static func erfc(_ x: Double) -> Double { Glibc.erfc(x) }
    @inlinable @inline(__always) public static func sqrt(_ x: Double) -> Double { Glibc.sqrt(x) }
    @inlinable @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
}

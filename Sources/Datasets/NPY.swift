import FileIO
import TensorModule

/// An array in NumPy's `.npy` format (versions 1, 2 and 3): the magic `\x93NUMPY`, a version, a header length
/// (2 bytes in v1, 4 in v2/v3, little-endian), an ASCII (v3: UTF-8) Python dict literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded to a multiple of 64 bytes, then the data.
///
/// Reading accepts float32/float64, signed and unsigned integers of 1–8 bytes and bool, little- or big-endian, in C
/// order; object arrays and Fortran order are refused. The header is checked against the file size before any
/// element array is allocated. Writing produces the same bytes as `numpy.save`.
///
/// ```swift
/// let x = try NPYArray(contentsOf: "features.npy").tensor()
/// ```
public struct NPYArray: Sendable, Equatable {
    /// The element kind, as the type code of the header's `descr` (`<f4`, `|u1`, …) spells it.
    public enum Kind: Character, Sendable { case float = "f", signed = "i", unsigned = "u", bool = "b" }

    public let kind: Kind
    public let itemSize: Int
    public let bigEndian: Bool
    public let shape: [Int]
    /// The raw element bytes in file order.
    public let data: [UInt8]

    public var count: Int { shape.reduce(1, *) }

    /// An array of `tensor`'s values (`<f4`, `<f8`, or `<i4` for int32).
    public init(_ tensor: Tensor) {
        kind = tensor.dtype == .int32 ? .signed : .float
        bigEndian = false
        shape = tensor.shape
        switch tensor.dtype {
        case .int32:
            itemSize = 4
            data = NPYArray.bytes(tensor.integers)
        case .float32:
            itemSize = 4
            data = tensor.withUnsafeScalars(as: Float.self) { NPYArray.bytes($0.map(\.bitPattern)) }
        case .float64:
            itemSize = 8
            data = tensor.withUnsafeScalars(as: Double.self) { NPYArray.bytes($0.map(\.bitPattern)) }
        }
    }

    public init(contentsOf path: String) throws(DataError) {
        try self.init(bytes: Gzip.contents(ofFile: path), file: path)
    }

    public init(bytes: [UInt8], file: String) throws(DataError) {
        func bad(_ offset: Int, _ m: String) -> DataError { DataError(file: file, location: "offset \(offset)", m) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw bad(0, "not an .npy file (bad magic)") }
        let major = bytes[6]
        guard (1...3).contains(major) else { throw bad(6, "unsupported .npy version \(major).\(bytes[7])") }
        let headerStart = major == 1 ? 10 : 12
        guard bytes.count >= headerStart else { throw bad(8, "file ends inside the header length") }
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        guard headerStart + headerLength <= bytes.count else {
            throw bad(8, "header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        guard let header = String(validating: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self) else {
            throw bad(headerStart, "header is not valid text")
        }
        var dict = try NPYHeader.parse(header, file: file, offset: headerStart)
        guard let descr = dict.removeValue(forKey: "descr"), case .string(let d) = descr else {
            throw bad(headerStart, "header has no 'descr' string")
        }
        guard let fortran = dict.removeValue(forKey: "fortran_order"), case .bool(let isFortran) = fortran else {
            throw bad(headerStart, "header has no 'fortran_order' flag")
        }
        guard let shapeValue = dict.removeValue(forKey: "shape"), case .tuple(let dims) = shapeValue else {
            throw bad(headerStart, "header has no 'shape' tuple")
        }
        if let extra = dict.keys.first { throw bad(headerStart, "unexpected header key '\(extra)'") }
        guard !isFortran else { throw bad(headerStart, "Fortran-order arrays are not supported (save with C order)") }
        let chars = Array(d)
        guard chars.count >= 3, let k = Kind(rawValue: chars[1]) ?? (chars[1] == "?" ? .bool : nil),
              let size = Int(String(chars[2...])) else {
            if d.contains("O") { throw bad(headerStart, "object arrays ('\(d)') are not supported: they need Python to read") }
            throw bad(headerStart, "unsupported dtype '\(d)'")
        }
        let sizes: [Kind: Set<Int>] = [.float: [4, 8], .signed: [1, 2, 4, 8], .unsigned: [1, 2, 4, 8], .bool: [1]]
        guard sizes[k]!.contains(size), ["<", ">", "|", "="].contains(chars[0]) else { throw bad(headerStart, "unsupported dtype '\(d)'") }
        var count = 1
        for n in dims {
            let (p, o) = count.multipliedReportingOverflow(by: n)
            guard !o, n >= 0 else { throw bad(headerStart, "shape \(dims) overflows") }
            count = p
        }
        let dataStart = headerStart + headerLength
        let (needed, o) = count.multipliedReportingOverflow(by: size)
        guard !o, needed == bytes.count - dataStart else {
            throw bad(dataStart, "shape \(dims) of \(d) needs \(o ? "more than Int.max" : "\(needed)") bytes of data, file has \(bytes.count - dataStart)")
        }
        kind = k
        itemSize = size
        bigEndian = chars[0] == ">"
        shape = dims
        data = Array(bytes[dataStart...])
    }

    /// The element at flat index `i`.
    public func value(at i: Int) -> Double {
        var u: UInt64 = 0
        for b in 0..<itemSize {
            let byte = UInt64(data[i * itemSize + (bigEndian ? itemSize - 1 - b : b)])
            u |= byte << (8 * UInt64(b))
        }
        switch (kind, itemSize) {
        case (.float, 4): return Double(Float(bitPattern: UInt32(u)))
        case (.float, _): return Double(bitPattern: u)
        case (.signed, 1): return Double(Int8(truncatingIfNeeded: u))
        case (.signed, 2): return Double(Int16(truncatingIfNeeded: u))
        case (.signed, 4): return Double(Int32(truncatingIfNeeded: u))
        case (.signed, _): return Double(Int64(bitPattern: u))
        default: return Double(u)
        }
    }

    /// The values as a float tensor of `shape`.
    public func tensor(dtype: DType = .float32) -> Tensor {
        require(dtype.isFloatingPoint, "NPYArray.tensor(dtype:): use integerTensor(file:) for int32")
        return Tensor(shape: shape, values: (0..<count).map(value(at:)), dtype: dtype)
    }

    /// An integer (or bool) array as an int32 tensor of `shape`, never through a float: token ids, labels, indices.
    /// 64-bit and unsigned 32-bit values are checked to fit in Int32; a float array, or a value that does not fit,
    /// is an error naming the element (`file` names the source).
    ///
    /// ```swift
    /// let ids = try NPYArray(contentsOf: "tokens.npy").integerTensor(file: "tokens.npy")   // int32
    /// ```
    public func integerTensor(file: String) throws(DataError) -> Tensor {
        guard kind != .float else {
            throw DataError(file: file, "holds \(kind) values of \(itemSize) bytes, not integers (ids and labels need an integer array)")
        }
        var out: [Int32] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            var u: UInt64 = 0
            for b in 0..<itemSize {
                u |= UInt64(data[i * itemSize + (bigEndian ? itemSize - 1 - b : b)]) << (8 * UInt64(b))
            }
            let wide: Int64? = switch (kind, itemSize) {
            case (.signed, 1): Int64(Int8(truncatingIfNeeded: u))
            case (.signed, 2): Int64(Int16(truncatingIfNeeded: u))
            case (.signed, 4): Int64(Int32(truncatingIfNeeded: u))
            case (.signed, _): Int64(bitPattern: u)
            default: u <= UInt64(Int64.max) ? Int64(u) : nil
            }
            guard let wide, let v = Int32(exactly: wide) else {
                throw DataError(file: file, location: "element \(i)",
                                "\(kind == .signed ? Int64(bitPattern: u).description : u.description) does not fit in int32")
            }
            out.append(v)
        }
        return Tensor(shape: shape, integers: out)
    }

    /// The `.npy` bytes (version 1 header, as `numpy.save` writes it).
    public func serialized() -> [UInt8] {
        let order = itemSize == 1 ? "|" : (bigEndian ? ">" : "<")
        let code = kind == .bool ? "b1" : "\(kind.rawValue)\(itemSize)"
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(order)\(code)', 'fortran_order': False, 'shape': \(dims), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        let n = header.utf8.count
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8) + data
    }

    static func bytes<I: FixedWidthInteger>(_ values: [I]) -> [UInt8] {
        var out: [UInt8] = []
        for v in values {
            var x = v.littleEndian
            withUnsafeBytes(of: &x) { out.append(contentsOf: $0) }
        }
        return out
    }
}

/// The Python dict literal of an .npy header: string, boolean and integer-tuple values only.
enum NPYHeader {
    enum Value { case string(String), bool(Bool), tuple([Int]) }

    static func parse(_ text: String, file: String, offset: Int) throws(DataError) -> [String: Value] {
        let chars = Array(text)
        var i = 0
        func fail(_ m: String) -> DataError { DataError(file: file, location: "offset \(offset + i)", "header: \(m)") }
        func skip() { while i < chars.count, chars[i] == " " || chars[i] == "\n" { i += 1 } }
        func quoted() throws(DataError) -> String {
            guard i < chars.count, chars[i] == "'" || chars[i] == "\"" else { throw fail("expected a quoted string") }
            let q = chars[i]
            i += 1
            var s = ""
            while i < chars.count, chars[i] != q { s.append(chars[i]); i += 1 }
            guard i < chars.count else { throw fail("unterminated string") }
            i += 1
            return s
        }
        skip()
        guard i < chars.count, chars[i] == "{" else { throw fail("expected '{'") }
        i += 1
        var out: [String: Value] = [:]
        while true {
            skip()
            if i < chars.count, chars[i] == "}" { i += 1; break }
            let key = try quoted()
            skip()
            guard i < chars.count, chars[i] == ":" else { throw fail("expected ':'") }
            i += 1
            skip()
            guard i < chars.count else { throw fail("unexpected end") }
            if chars[i] == "'" || chars[i] == "\"" {
                out[key] = .string(try quoted())
            } else if chars[i] == "(" {
                i += 1
                var dims: [Int] = []
                while true {
                    skip()
                    if i < chars.count, chars[i] == ")" { i += 1; break }
                    var digits = ""
                    while i < chars.count, chars[i].isNumber { digits.append(chars[i]); i += 1 }
                    if i < chars.count, chars[i] == "L" { i += 1 }
                    guard let n = Int(digits) else { throw fail("expected a dimension") }
                    dims.append(n)
                    skip()
                    if i < chars.count, chars[i] == "," { i += 1 }
                }
                out[key] = .tuple(dims)
            } else if text.dropFirst(i).hasPrefix("True") {
                i += 4
                out[key] = .bool(true)
            } else if text.dropFirst(i).hasPrefix("False") {
                i += 5
                out[key] = .bool(false)
            } else {
                throw fail("unsupported value for '\(key)'")
            }
            skip()
            if i < chars.count, chars[i] == "," { i += 1 }
        }
        return out
    }
}

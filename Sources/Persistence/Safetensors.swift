import JSONCoding
import FileIO
import TensorModule

/// A safetensors file (Hugging Face's format), byte-compatible with the Python `safetensors` library:
/// an 8-byte little-endian header length N, N bytes of JSON (`{"__metadata__": {…}, "name": {"dtype": "F32",
/// "shape": […], "data_offsets": [begin, end]}, …}`, padded with spaces to a multiple of 8), then the tensors'
/// little-endian bytes, contiguous and in header order.
///
/// Reading validates everything before the data is used; writing orders tensors as the Python library does
/// (by element type, largest first, then by name), so a file it wrote is re-written byte for byte.
///
/// ```swift
/// var file = Safetensors()
/// file.set(model.stateDict())
/// try file.write(to: "model.safetensors")
/// let loaded = try Safetensors(contentsOf: "model.safetensors").tensors()
/// ```
public struct Safetensors: Sendable {
    /// Element types; `rawValue` is the header's spelling.
    public enum ElementType: String, Sendable, CaseIterable {
        case bool = "BOOL", u8 = "U8", i8 = "I8", i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
        case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"

        public var byteCount: Int {
            switch self {
            case .bool, .u8, .i8: return 1
            case .i16, .u16, .f16, .bf16: return 2
            case .i32, .u32, .f32: return 4
            case .f64, .i64, .u64: return 8
            }
        }

        /// The Python library's write order: larger rank first.
        var rank: Int {
            [.bool, .u8, .i8, .i16, .u16, .f16, .bf16, .i32, .u32, .f32, .f64, .i64, .u64].firstIndex(of: self) ?? 0
        }
    }

    /// One stored tensor: its element type, shape and little-endian bytes.
    public struct Entry: Sendable, Equatable {
        public let elementType: ElementType
        public let shape: [Int]
        public let bytes: [UInt8]

        public init(elementType: ElementType, shape: [Int], bytes: [UInt8]) {
            require(shape.reduce(1, *) * elementType.byteCount == bytes.count, "Safetensors.Entry: shape and byte count disagree")
            self.elementType = elementType
            self.shape = shape
            self.bytes = bytes
        }
    }

    /// Free-form string metadata, in file order.
    public var metadata: [(key: String, value: String)] = []
    /// The tensors by name.
    public private(set) var entries: [String: Entry] = [:]
    /// Tensor names in header order (for re-writing a file exactly).
    public private(set) var order: [String] = []

    /// The largest header accepted (as the reference implementation: 100 MB).
    public static let maximumHeaderSize = 100_000_000

    public init() {}

    /// Reads and validates a file.
    public init(contentsOf path: String) throws(DataError) {
        try self.init(bytes: AtomicFile.read(path), source: path)
    }

    /// Parses safetensors bytes; `source` names them in errors.
    public init(bytes: [UInt8], source: String) throws(DataError) {
        func bad(_ offset: Int, _ m: String) -> DataError { DataError(file: source, location: "offset \(offset)", m) }
        guard bytes.count >= 8 else { throw bad(0, "file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        let n = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard n <= UInt64(Safetensors.maximumHeaderSize) else { throw bad(0, "header length \(n) exceeds the \(Safetensors.maximumHeaderSize)-byte limit") }
        let headerEnd = 8 + Int(n)
        guard headerEnd <= bytes.count else { throw bad(0, "header length \(n) runs past the end of the \(bytes.count)-byte file") }
        guard n > 0, bytes[8] == UInt8(ascii: "{") else { throw bad(8, "header does not start with '{'") }
        let header: JSONValue
        do { header = try JSONParser.parse(Array(bytes[8..<headerEnd])) } catch {
            throw bad(8 + error.offset, "header is not valid JSON: \(error.message)")
        }
        guard case .object(let members) = header else { throw bad(8, "header is not a JSON object") }
        let dataSize = bytes.count - headerEnd
        var spans: [(name: String, type: ElementType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else { throw bad(8, "__metadata__ is not an object of strings") }
                for (k, v) in pairs {
                    guard case .string(let s) = v else { throw bad(8, "__metadata__ value for '\(k)' is not a string") }
                    metadata.append((k, s))
                }
                continue
            }
            guard case .object = value, case .string(let dt)? = value["dtype"] else {
                throw bad(8, "tensor '\(name)' has no string dtype")
            }
            guard let type = ElementType(rawValue: dt) else { throw bad(8, "tensor '\(name)' has unknown dtype '\(dt)'") }
            guard case .array(let dims)? = value["shape"] else { throw bad(8, "tensor '\(name)' has no shape array") }
            var shape: [Int] = []
            var count = 1
            for d in dims {
                guard case .number(let x) = d, x >= 0, x == x.rounded(), x < 9.0e15 else {
                    throw bad(8, "tensor '\(name)' has an invalid dimension in its shape")
                }
                let (p, o) = count.multipliedReportingOverflow(by: Int(x))
                guard !o else { throw bad(8, "tensor '\(name)' shape \(dims.map(\.compactText)) overflows") }
                shape.append(Int(x))
                count = p
            }
            guard case .array(let offs)? = value["data_offsets"], offs.count == 2,
                  case .number(let b) = offs[0], case .number(let e) = offs[1],
                  b >= 0, e >= b, b == b.rounded(), e == e.rounded(), e <= Double(Int.max / 2) else {
                throw bad(8, "tensor '\(name)' has invalid data_offsets")
            }
            let (bytesNeeded, o) = count.multipliedReportingOverflow(by: type.byteCount)
            guard !o, Int(e) - Int(b) == bytesNeeded else {
                throw bad(8, "tensor '\(name)': data_offsets [\(Int(b)), \(Int(e))] hold \(Int(e) - Int(b)) bytes, its shape \(shape) of \(dt) needs \(o ? -1 : bytesNeeded)")
            }
            let extra = Set(["dtype", "shape", "data_offsets"])
            if case .object(let fields) = value, let unknown = fields.first(where: { !extra.contains($0.key) }) {
                throw bad(8, "tensor '\(name)' has unknown field '\(unknown.key)'")
            }
            spans.append((name, type, shape, Int(b), Int(e)))
        }
        // Data must be covered exactly: sorted by offset, each tensor starts where the previous ended.
        spans.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var position = 0
        for s in spans {
            guard s.begin == position else {
                throw bad(headerEnd + Swift.min(s.begin, position), s.begin < position
                    ? "tensor '\(s.name)' overlaps the previous tensor's data"
                    : "gap of \(s.begin - position) bytes before tensor '\(s.name)'")
            }
            position = s.end
        }
        guard position <= dataSize else { throw bad(headerEnd + dataSize, "data is \(dataSize) bytes, the header needs \(position)") }
        guard position == dataSize else { throw bad(headerEnd + position, "\(dataSize - position) trailing bytes after the last tensor") }
        for s in spans {
            entries[s.name] = Entry(elementType: s.type, shape: s.shape, bytes: Array(bytes[(headerEnd + s.begin)..<(headerEnd + s.end)]))
        }
        order = spans.map(\.name)
    }

    /// Adds or replaces a raw entry.
    public mutating func set(_ entry: Entry, named name: String) {
        if entries.updateValue(entry, forKey: name) == nil { order.append(name) }
    }

    /// Adds or replaces a tensor (F32, F64 or I32, matching its element type).
    public mutating func set(_ tensor: Tensor, named name: String) {
        let bytes: [UInt8]
        switch tensor.dtype {
        case .int32:
            set(Entry(elementType: .i32, shape: tensor.shape, bytes: Safetensors.littleEndian(tensor.integers.map { UInt32(bitPattern: $0) })),
                named: name)
            return
        case .float32: bytes = tensor.withUnsafeScalars(as: Float.self) { Safetensors.littleEndian($0.map(\.bitPattern)) }
        case .float64: bytes = tensor.withUnsafeScalars(as: Double.self) { Safetensors.littleEndian($0.map(\.bitPattern)) }
        }
        set(Entry(elementType: tensor.dtype == .float32 ? .f32 : .f64, shape: tensor.shape, bytes: bytes), named: name)
    }

    /// Adds or replaces every tensor of a state dict.
    public mutating func set(_ tensors: [String: Tensor]) {
        for name in tensors.keys.sorted() { set(tensors[name]!, named: name) }
    }

    /// Adds 64-bit integers (I64).
    public mutating func set(integers: [Int64], shape: [Int], named name: String) {
        set(Entry(elementType: .i64, shape: shape, bytes: Safetensors.littleEndian(integers.map { UInt64(bitPattern: $0) })), named: name)
    }

    /// Adds bytes (U8).
    public mutating func set(bytes: [UInt8], shape: [Int], named name: String) {
        set(Entry(elementType: .u8, shape: shape, bytes: bytes), named: name)
    }

    /// The named entry as a tensor: F32 → float32; F64 → float64; integer, bool and F16 entries → `dtype`. For
    /// `dtype` int32 the entry must hold integers (or bools) within Int32's range: I64 ids are range-checked, never
    /// passed through a float.
    public func tensor(named name: String, dtype: DType = .float32) throws(DataError) -> Tensor {
        guard let e = entries[name] else { throw DataError(file: "safetensors", "no tensor named '\(name)'") }
        let b = e.bytes
        func u(_ i: Int, _ n: Int) -> UInt64 { (0..<n).reduce(UInt64(0)) { $0 | UInt64(b[i * n + $1]) << (8 * UInt64($1)) } }
        let count = e.shape.reduce(1, *)
        if dtype == .int32 {
            guard e.elementType != .f32, e.elementType != .f64, e.elementType != .f16, e.elementType != .bf16 else {
                throw DataError(file: "safetensors", "'\(name)' holds \(e.elementType) values, not integers")
            }
            let signed = [.i8, .i16, .i32, .i64].contains(e.elementType)
            let size = e.elementType.byteCount
            var ints: [Int32] = []
            ints.reserveCapacity(count)
            for i in 0..<count {
                let raw = u(i, size)
                // Sign-extend a signed entry's bytes; an unsigned one is its bits.
                let wide: Int64? = signed ? Int64(bitPattern: raw << (64 - 8 * UInt64(size))) >> (64 - 8 * Int64(size))
                    : raw <= UInt64(Int64.max) ? Int64(raw) : nil
                guard let wide, let v = Int32(exactly: wide) else {
                    throw DataError(file: "safetensors", location: "'\(name)' element \(i)",
                                    "\(wide.map(String.init) ?? raw.description) does not fit in int32")
                }
                ints.append(v)
            }
            return Tensor(shape: e.shape, integers: ints)
        }
        switch e.elementType {
        case .f32: return Tensor(shape: e.shape, scalars: (0..<count).map { Float(bitPattern: UInt32(u($0, 4))) })
        case .f64: return Tensor(shape: e.shape, scalars: (0..<count).map { Double(bitPattern: u($0, 8)) })
        default:
            let values: [Double] = (0..<count).map { i in
                switch e.elementType {
                case .bool, .u8: return Double(b[i])
                case .i8: return Double(Int8(bitPattern: b[i]))
                case .i16: return Double(Int16(bitPattern: UInt16(u(i, 2))))
                case .u16: return Double(UInt16(u(i, 2)))
                case .f16: return Double(Float16(bitPattern: UInt16(u(i, 2))))
                case .bf16: return Double(Float(bitPattern: UInt32(u(i, 2)) << 16))
                case .i32: return Double(Int32(bitPattern: UInt32(u(i, 4))))
                case .u32: return Double(UInt32(u(i, 4)))
                case .i64: return Double(Int64(bitPattern: u(i, 8)))
                case .u64: return Double(u(i, 8))
                case .f32, .f64: return 0
                }
            }
            return Tensor(shape: e.shape, values: values, dtype: dtype)
        }
    }

    /// Every F32/F64 entry as a tensor, by name (a state dict).
    public func tensors() throws(DataError) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, e) in entries where e.elementType == .f32 || e.elementType == .f64 { out[name] = try tensor(named: name) }
        return out
    }

    /// The file's bytes: tensors ordered by element type (largest first) then name, as the Python library writes.
    public func serialized() -> [UInt8] {
        let names = entries.keys.sorted { a, b in
            let (ra, rb) = (entries[a]!.elementType.rank, entries[b]!.elementType.rank)
            return ra != rb ? ra > rb : a < b
        }
        var members: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.map { ($0.key, JSONValue.string($0.value)) })))
        }
        var offset = 0
        for name in names {
            let e = entries[name]!
            members.append((name, .object([
                ("dtype", .string(e.elementType.rawValue)),
                ("shape", .array(e.shape.map { .number(Double($0)) })),
                ("data_offsets", .array([.number(Double(offset)), .number(Double(offset + e.bytes.count))])),
            ])))
            offset += e.bytes.count
        }
        var header = Array(JSONValue.object(members).compactText.utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var out = Safetensors.littleEndian([UInt64(header.count)]) + header
        out.reserveCapacity(out.count + offset)
        for name in names { out += entries[name]!.bytes }
        return out
    }

    /// Writes the file atomically.
    public func write(to path: String) throws(DataError) { try AtomicFile.write(serialized(), to: path) }

    static func littleEndian<I: FixedWidthInteger>(_ values: [I]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * I.bitWidth / 8)
        for v in values {
            var x = v.littleEndian
            withUnsafeBytes(of: &x) { out.append(contentsOf: $0) }
        }
        return out
    }
}

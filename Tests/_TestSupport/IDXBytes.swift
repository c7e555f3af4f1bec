/// A hand-made IDX file: magic (0, 0, type, rank), big-endian dimensions, then the payload.
public func idxBytes(type: UInt8 = 0x08, dims: [UInt32], payload: [UInt8]) -> [UInt8] {
    var b: [UInt8] = [0, 0, type, UInt8(dims.count)]
    for d in dims { b += [UInt8(d >> 24), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return b + payload
}

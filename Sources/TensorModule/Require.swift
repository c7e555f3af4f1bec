/// Stops the program with `message` when `condition` is false, in every build mode: NeuralKit's check for
/// programming errors (mismatched shapes, out-of-range arguments).
///
/// Swift's `precondition` prints its message only in debug builds; in a release build (`swift build -c release`,
/// which `make test` and `make demo` use) it stops with a bare "Illegal instruction". `fatalError` prints in both,
/// so every check in NeuralKit's sources goes through this function instead.
///
/// ```swift
/// require(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
/// ```
@inlinable @inline(__always)
package func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                     file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition()) { fatalError(message(), file: file, line: line) }
}

/// Stops a float-only op given an `int32` tensor, naming the op.
package func floatOnly(_ op: String = #function) -> Never {
    let name = op.split(separator: "(").first.map(String.init) ?? op
    require(false, "\(name): needs a float32 or float64 tensor, found int32 (convert it with converted(to:) first)")
    fatalError()
}

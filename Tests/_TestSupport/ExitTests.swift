import Testing

/// Checks that a child process stopped by an exit test wrote `message` to its standard error (pass the result of
/// `#expect(processExitsWith:observing: [\.standardErrorContent])`).
///
/// ```swift
/// let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { … }
/// expectStandardError(of: result, contains: "add: shapes [2, 3] and [4] cannot be broadcast together")
/// ```
public func expectStandardError(of result: ExitTest.Result?, contains message: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains(message), "stderr of the stopped child process: \(stderr)", sourceLocation: sourceLocation)
}

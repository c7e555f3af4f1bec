import Testing
import NeuralKit
import _TestSupport

/// Shape misuse stops with a message naming the op and both shapes; the messages come from these validators.
@Suite struct ShapeErrorTests {
    @Test func matmulOfMismatchedShapesNamesOpAndShapes() {
        #expect(throws: ShapeError(op: "matmul", "inner dimensions differ (3 vs 4) in shapes [2, 3] and [4, 5]")) {
            try Shapes.matmul([2, 3], [4, 5])
        }
        let error = #expect(throws: ShapeError.self) { try Shapes.matmul([2, 3], [4, 5]) }
        #expect(error?.description == "matmul: inner dimensions differ (3 vs 4) in shapes [2, 3] and [4, 5]")
    }

    @Test func addingIncompatibleShapesNamesOpAndShapes() {
        let error = #expect(throws: ShapeError.self) { try Shapes.broadcast([2, 3], [4], op: "add") }
        #expect(error?.description == "add: shapes [2, 3] and [4] cannot be broadcast together")
    }

    @Test func validShapesPass() throws {
        #expect(try Shapes.broadcast([2, 1, 4], [3, 1], op: "add") == [2, 3, 4])
        #expect(try Shapes.broadcast([], [5], op: "add") == [5])
        #expect(try Shapes.matmul([2, 3], [3, 5]) == [2, 5])
        #expect(try Shapes.matmul([7, 2, 3], [3, 5]) == [7, 2, 5])
        #expect(try Shapes.matmul([3, 2], [5, 3], transposeA: true, transposeB: true) == [2, 5])
        #expect(try Shapes.reshape([2, 6], to: [3, -1]) == [3, 4])
    }

    @Test func otherMisuseIsNamed() {
        #expect(throws: ShapeError.self) { try Shapes.matmul([2, 3, 4], [3, 4, 5]) }
        #expect(throws: ShapeError.self) { try Shapes.matmul([2], [2]) }
        #expect(throws: ShapeError(op: "reshaped", "cannot reshape [2, 3] (6 elements) to [4, -1]")) {
            try Shapes.reshape([2, 3], to: [4, -1])
        }
        #expect(throws: ShapeError(op: "sum", "axis 3 is out of range for rank 2")) {
            try Shapes.normalize(axes: [3], rank: 2, op: "sum")
        }
        #expect(throws: ShapeError(op: "expanded", "cannot expand shape [3, 2] to [3, 4]")) {
            try Shapes.checkExpand([3, 2], to: [3, 4], op: "expanded")
        }
        #expect(throws: ShapeError.self) { try Shapes.checkSameDType(.float32, .float64, op: "add") }
    }

    /// The ops themselves stop with the validator's message, in every build mode (`make test` runs these tests in a
    /// release build, where `precondition` would print nothing); run in a child process so the stop is observed, not
    /// suffered.
    @Test func opsStopWithTheValidatorsMessage() async {
        let matmul = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        expectStandardError(of: matmul, contains: "matmul: inner dimensions differ (3 vs 4) in shapes [2, 3] and [4, 5]")
        let add = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
        expectStandardError(of: add, contains: "add: shapes [2, 3] and [4] cannot be broadcast together")
    }
}

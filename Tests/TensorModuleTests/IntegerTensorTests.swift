import Testing
import NeuralKit
import _TestSupport

@Suite struct IntegerTensorTests {
    @Test func createsReadsAndPrintsIntegers() {
        let ids = Tensor(shape: [2, 3], integers: [5, 2, 0, 7, 1, 0])
        #expect(ids.dtype == .int32 && ids.shape == [2, 3] && DType.int32.byteCount == 4)
        #expect(ids.integers == [5, 2, 0, 7, 1, 0])
        #expect(ids.values == [5, 2, 0, 7, 1, 0] && ids[1, 0] == 7)
        #expect(ids.description == "[[5, 2, 0],\n [7, 1, 0]] shape [2, 3], int32")
        #expect(Tensor.zeros([2], dtype: .int32).integers == [0, 0] && Tensor.full([1], value: -4, dtype: .int32).integers == [-4])
        #expect(Tensor(shape: [2], values: [3, -2], dtype: .int32).integers == [3, -2])
    }

    @Test func convertsBetweenIntegersAndFloats() {
        #expect(Tensor([2.7, -1.5, 0.2]).converted(to: .int32).integers == [2, -1, 0])   // toward zero, as PyTorch
        #expect(Tensor(integers: [3, -4]).converted(to: .float64).values == [3, -4])
        #expect(Tensor(integers: [3, -4]).converted(to: .float32).scalars(as: Float.self) == [3, -4])
        #expect(Tensor(integers: [Int32.max, Int32.min]).converted(to: .float64).converted(to: .int32).integers == [Int32.max, Int32.min])
    }

    @Test func shapeOpsMoveIntegersExactly() {
        let big = Int32.max - 3   // not exact in Float32: a move through a float would change it
        let ids = Tensor(shape: [2, 3], integers: [big, 1, 2, 3, 4, 5])
        #expect(ids.transposed().integers == [big, 3, 1, 4, 2, 5])
        #expect(ids.reshaped(to: [3, 2]).integers == [big, 1, 2, 3, 4, 5])
        #expect(ids.slice(alongAxis: 1, 1..<3).integers == [1, 2, 4, 5])
        #expect(ids.gathering(rows: [1, 0]).integers == [3, 4, 5, big, 1, 2])
        #expect(Tensor.concatenating([ids, ids.slice(alongAxis: 1, 0..<1)], alongAxis: 1).integers == [big, 1, 2, big, 3, 4, 5, 3])
        #expect(Tensor(integers: [big]).expanded(to: [2, 2]).integers == [big, big, big, big])
        #expect(ids.sum(alongAxes: [1]).integers == [big + 3, 12] && ids.max().integers == [big])
    }

    @Test func comparisonsGiveIntegerMasksAndBroadcast() {
        let ids = Tensor(shape: [2, 3], integers: [5, 2, 0, 7, 0, 0])
        let padding = ids .!= 0
        #expect(padding.dtype == .int32 && padding.integers == [1, 1, 0, 1, 0, 0])
        #expect((ids .== Tensor(integers: [5, 0, 0])).integers == [1, 0, 1, 0, 1, 1])
        #expect((ids .> 2).integers == [1, 0, 0, 1, 0, 0] && (ids .<= 2).integers == [0, 1, 1, 0, 1, 1])
    }

    /// Embedding lookup: rows of a table picked by ids of any shape; a repeated id's gradient is the sum of its uses.
    @Test func gatheringByIdsPicksRowsAndSumsGradients() {
        let table = Tensor(rows: [[0, 0.5], [1, 1.5], [2, 2.5]], dtype: .float64)
        let ids = Tensor(shape: [2, 2], integers: [2, 0, 2, 2])
        let picked = table.gathering(ids: ids)
        #expect(picked.shape == [2, 2, 2] && picked.values == [2, 2.5, 0, 0.5, 2, 2.5, 2, 2.5])
        let (_, g) = valueWithGradient(at: table) { ($0.gathering(ids: ids) * Tensor([1, 10], dtype: .float64)).sum() }
        #expect(g.values == [1, 10, 0, 0, 3, 30])
        let result = checkGradients(of: { $0[0].gathering(ids: ids).squared().sum() }, at: [randomTensor([3, 2], seed: 1)],
                                    absoluteTolerance: tightGradientTolerance.absolute, relativeTolerance: tightGradientTolerance.relative)
        #expect(result.passed, "\(result)")
    }

    @Test func oneHotOfIds() {
        let hot = Tensor(shape: [2, 1], integers: [2, 0]).oneHot(classCount: 3)
        #expect(hot.shape == [2, 1, 3] && hot.dtype == .float32 && hot.values == [0, 0, 1, 1, 0, 0])
    }

    @Test func labelsStayIntegersThroughTheLoss() {
        let logits = Tensor(rows: [[2, 0, -1], [0, 1, 3]], dtype: .float64)
        let asIntegers = Loss.softmaxCrossEntropy()(predictions: logits, targets: Tensor(integers: [0, 2]))
        let asFloats = Loss.softmaxCrossEntropy()(predictions: logits, targets: Tensor([0, 2]))
        #expect(asIntegers.scalar == asFloats.scalar)
        // A loss that computes with its targets gets them as the predictions' float type.
        #expect(Loss.meanSquaredError()(predictions: Tensor([1, 2], dtype: .float64), targets: Tensor(integers: [1, 4])).scalar == 2)
    }

    @Test func floatMathOnIntegersAndFloatIdsStopWithTheOpsName() async {
        let add = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(integers: [1, 2]) + Tensor(integers: [3, 4])
        }
        expectStandardError(of: add, contains: "add: needs a float32 or float64 tensor, found int32")
        let exp = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(integers: [1, 2]).exp()
        }
        expectStandardError(of: exp, contains: "needs a float32 or float64 tensor, found int32")
        let floatIds = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([4, 2]).gathering(ids: Tensor([1, 2]))
        }
        expectStandardError(of: floatIds, contains: "gathering(ids:): ids must be int32, found float32 of shape [2]")
        let outOfRange = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([4, 2]).gathering(ids: Tensor(integers: [1, 4]))
        }
        expectStandardError(of: outOfRange, contains: "gathering(ids:): id 4 out of range 0..<4 for table [4, 2], ids [2]")
    }
}

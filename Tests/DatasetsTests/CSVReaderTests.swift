import Testing
import NeuralKit

@Suite struct CSVReaderTests {
    func read(_ text: String, label: CSVReader.LabelColumn = .last, hasHeader: Bool? = nil) throws -> Dataset {
        try CSVReader.dataset(CSVReader.rows(Array(text.utf8), file: "t.csv"), file: "t.csv", label: label, hasHeader: hasHeader, name: "t")
    }

    func error(_ text: String, label: CSVReader.LabelColumn = .last) -> String {
        do {
            _ = try read(text, label: label)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func headerAndLabelByNameOrIndex() throws {
        let text = "x1,kind,x2\n1,cat,2\n3,dog,4\n5,cat,6\n"
        let d = try read(text, label: .name("kind"))
        #expect(d.features.values == [1, 2, 3, 4, 5, 6])
        #expect(d.classNames == ["cat", "dog"] && d.targets.values == [0, 1, 0])
        let e = try read(text, label: .index(1))
        #expect(e.targets.values == d.targets.values)
        #expect(try read(text, label: .index(-2)).classNames == ["cat", "dog"])
    }

    @Test func noHeaderIntegerLabelsAreClasses() throws {
        let d = try read("1,2,0\n3,4,2\n5,6,2\n")
        #expect(d.classNames == ["0", "2"] && d.targets.values == [0, 1, 1])
        let r = try read("1,0.5\n2,1.5\n")
        #expect(!r.isClassification && r.targets.shape == [2, 1])
        // Whole numbers too large for a class index are regression targets.
        let large = try read("1,99999999999999999999\n2,1\n")
        #expect(!large.isClassification && large.targets.values == [1e20, 1].map { Double(Float($0)) })
        // A column of names is classes, even when a name reads as a number that is not finite.
        #expect(try read("1,nan\n2,cat\n").classNames == ["cat", "nan"])
    }

    @Test func bomCRLFMissingFinalNewlineQuotesAndBlankLines() throws {
        let text = "\u{FEFF}a,\"b, with comma\",y\r\n1,\"2\",\"x \"\"q\"\"\"\r\n\r\n3,4,z"
        let d = try read(text)
        #expect(d.features.values == [1, 2, 3, 4])
        #expect(d.classNames == ["x \"q\"", "z"])
        let multiline = try read("a,y\n\"1\",\"multi\nline\"\n2,other\n")
        #expect(multiline.count == 2 && multiline.classNames == ["multi\nline", "other"])
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        let message: String
        var label: CSVReader.LabelColumn = .last
        var testDescription: String { name }
    }

    static let bad: [Bad] = [
        Bad(name: "empty file", text: "", message: "t.csv: empty file"),
        Bad(name: "header only", text: "a,b,label\n", message: "header only"),
        Bad(name: "non-numeric cell", text: "a,b,y\n1,2,0\n3,x,1\n", message: "t.csv, line 3: column 2: expected a finite number within Float32's range (±3.4e38), found 'x'"),
        Bad(name: "ragged row", text: "1,2,0\n3,4\n", message: "t.csv, line 2: expected 3 fields, found 2"),
        Bad(name: "unmatched quote", text: "a,y\n1,0\n\"2,1\n3,0\n", message: "t.csv, line 3: unmatched quote"),
        Bad(name: "NaN literal", text: "a,y\nnan,0\n", message: "line 2: column 1: expected a finite number within Float32's range (±3.4e38), found 'nan'"),
        Bad(name: "inf literal", text: "a,y\n1,0\ninf,1\n", message: "line 3: column 1: expected a finite number within Float32's range (±3.4e38), found 'inf'"),
        // Finite as a Double, infinite as the Float32 the model trains on.
        Bad(name: "beyond Float32", text: "a,y\n1,0\n1e39,1\n", message: "line 3: column 1: expected a finite number within Float32's range"),
        Bad(name: "numeric label beyond Float32", text: "a,y\n1,0.5\n2,-1e300\n",
            message: "line 3: column 2: expected a finite number within Float32's range (±3.4e38), found '-1e300'"),
        // What the message quotes from the file stays on one line: control characters are escaped.
        Bad(name: "newline in a quoted cell", text: "a,y\n\"1\n2\",0\n",
            message: "line 2: column 1: expected a finite number within Float32's range (±3.4e38), found '1\\n2'"),
        Bad(name: "unknown label column", text: "a,y\n1,0\n", message: "no column named 'z'", label: .name("z")),
        Bad(name: "label index out of range", text: "1,0\n", message: "label column 5 is out of range", label: .index(5)),
        Bad(name: "single column", text: "1\n2\n", message: "need at least one feature column"),
    ]

    @Test(arguments: bad)
    func malformedFilesNameTheLine(_ b: Bad) {
        let e = error(b.text, label: b.label)
        #expect(e.contains(b.message), "\(e)")
    }

    @Test func hugeFieldsAreRefusedWithBoundedMemory() {
        let huge = "a,y\n" + String(repeating: "9", count: CSVReader.maximumFieldLength + 10) + ",0\n"
        #expect(error(huge).contains("field longer than"))
    }
}

@Suite struct DatasetTests {
    @Test func stratifiedSplitKeepsClassShares() throws {
        let iris = try BuiltinDatasets.load("iris")
        let (train, test) = iris.split(testFraction: 0.2, seed: 1, stratified: true)
        #expect(train.count == 120 && test.count == 30)
        for c in 0..<3 { #expect(test.targets.values.filter { $0 == Double(c) }.count == 10) }
        let (a, _) = iris.split(testFraction: 0.2, seed: 1, stratified: true)
        #expect(a.features == train.features)
    }

    @Test func batchesShuffleFromASeedAndCanDropTheLast() {
        let d = Dataset(name: "n", features: Tensor.arange(0, 10).reshaped(to: [10, 1]), targets: Tensor.arange(0, 10))
        let b = d.batches(size: 4)
        #expect(b.map(\.features.shape[0]) == [4, 4, 2])
        #expect(d.batches(size: 4, dropLast: true).count == 2)
        let s1 = d.batches(size: 4, shuffleSeed: 7).flatMap { $0.targets.values }
        let s2 = d.batches(size: 4, shuffleSeed: 7).flatMap { $0.targets.values }
        #expect(s1 == s2 && s1 != Array(0..<10).map(Double.init) && s1.sorted() == Array(0..<10).map(Double.init))
    }

    @Test func scalersAreFittedOnTrainingDataOnly() {
        let train = Tensor(rows: [[1, 10], [3, 10]]), test = Tensor(rows: [[5, 12]])
        let s = FeatureScaler.standardization(fittedOn: train)
        #expect(s.apply(train).values == [-1, 0, 1, 0])
        #expect(s.apply(test).values == [3, 2])   // constant feature: centred, not divided by zero
        let m = FeatureScaler.minMax(fittedOn: train)
        #expect(m.apply(test).values == [2, 2])
    }

    @Test func oneHotTargets() throws {
        let d = Dataset(name: "n", features: Tensor.zeros([3, 1]), targets: Tensor([2, 0, 1]), classNames: ["a", "b", "c"])
        #expect(d.oneHotTargets().values == [0, 0, 1, 1, 0, 0, 0, 1, 0])
    }

    @Test(arguments: BuiltinDatasets.names)
    func everyBuiltinDatasetLoads(_ name: String) throws {
        let d = try BuiltinDatasets.load(name, seed: 1)
        let expected: [String: (Int, [Int], Int)] = [
            "fashion-mnist": (60_000, [784], 10), "digits": (1797, [64], 10), "iris": (150, [4], 3),
            "breast-cancer": (569, [30], 2), "diabetes": (442, [10], 1), "toy-regression": (20, [1], 1),
            "will-i-pass": (200, [2], 2), "circle": (500, [2], 2), "xor": (500, [2], 2), "gaussians": (500, [2], 2),
            "spiral": (500, [2], 2), "spiral3": (500, [2], 3), "plane": (500, [2], 1), "multi-gaussian": (500, [2], 1),
            "japanese-vowels": (270, [29, 12], 9), "shakespeare": (9235, [100], 78), "airline": (120, [12, 1], 1),
            "synthetic-ratings": (12_000, [2], 1),
        ]
        let (count, shape, outputs) = try #require(expected[name])
        #expect(d.count == count && d.exampleShape == shape && d.outputCount == outputs)
        #expect(d.features.values.allSatisfy { $0.isFinite })
        if d.textVectorizer != nil {   // every character but padding and [UNK] is a target
            #expect(Set(d.targets.values) == Set((2..<outputs).map(Double.init)))
        } else if d.isClassification {
            #expect(Set(d.targets.values) == Set((0..<outputs).map(Double.init)))
        }
        #expect(try BuiltinDatasets.load(name, seed: 1).features == d.features)
    }
}

import FileIO
import Foundation
import TensorModule

/// Sliding windows over one positive time series (monthly passengers, sales, …), for one-step-ahead forecasting.
///
/// Example t reads the `window` values before month t and predicts month t. Both are relative logs: the inputs are
/// log(yₜ₋ₖ / yₜ₋₁) for k = window … 1 ([window, 1], the last 0), and the target is log(yₜ / yₜ₋₁). Relative to the
/// last value, the windows look alike at any level, so a model trained on 1949–1959 can forecast the higher 1960
/// (a model on raw values cannot predict above what it saw). The last `testCount` months are the test part.
///
/// ```swift
/// let airline = try ForecastWindows(series: passengers, window: 12, testCount: 12, file: "airline.csv")
/// let (train, test) = airline.datasets(name: "airline")   // features [120, 12, 1] and [12, 12, 1]
/// let (mae, mape) = airline.testErrors(forecasts: airline.values(fromLogRatios: predictions))
/// ```
public struct ForecastWindows: Sendable {
    /// The values, oldest first.
    public let series: [Double]
    /// How many values before a month its example reads.
    public let window: Int
    /// How many of the last values are the test part.
    public let testCount: Int

    /// Throws when a value is not a positive finite number, or the series is too short for `window` and `testCount`
    /// (at least `window` + `testCount` + 2 values, so that two windows train).
    public init(series: [Double], window: Int, testCount: Int, file: String) throws(DataError) {
        guard window > 0, testCount > 0 else { throw DataError(file: file, "the window and the test months must be positive") }
        if let bad = series.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            throw DataError(file: file, location: "value \(bad + 1)", "a series to forecast must be positive and finite, found \(series[bad])")
        }
        guard series.count >= window + testCount + 2 else {
            throw DataError(file: file, "has \(series.count) values; a window of \(window) and \(testCount) test values need at least "
                            + "\(window + testCount + 2)")
        }
        self.series = series
        self.window = window
        self.testCount = testCount
    }

    /// Reads `column` (default: the last) of a CSV file, header optional, as the series.
    public init(csv path: String, column: CSVReader.LabelColumn = .last, window: Int = 12, testCount: Int = 12) throws(DataError) {
        self = try ForecastWindows(rows: try CSVReader.rows(ofFile: path), file: path, column: column, window: window, testCount: testCount)
    }

    /// Reads `column` of CSV rows (``CSVReader/rows(_:file:)``), header optional.
    public init(rows: [[String]], file: String, column: CSVReader.LabelColumn, window: Int, testCount: Int) throws(DataError) {
        guard let first = rows.first else { throw DataError(file: file, "empty file: no rows") }
        let width = first.count
        let names = first.map(\.trimmingSpaces)
        let header = names.contains { Double($0) == nil }
        let index: Int
        switch column {
        case .last: index = width - 1
        case .index(let k):
            guard (-width..<width).contains(k) else { throw DataError(file: file, "column \(k) is out of range for \(width) columns") }
            index = k < 0 ? width + k : k
        case .name(let n):
            guard header, let j = names.firstIndex(of: n) else { throw DataError(file: file, "no column named '\(n)'") }
            index = j
        }
        var values: [Double] = []
        for (r, row) in rows.enumerated().dropFirst(header ? 1 : 0) {
            guard row.count == width else { throw DataError(file: file, location: "line \(r + 1)", "expected \(width) fields, found \(row.count)") }
            guard let v = Double(row[index].trimmingSpaces) else {
                throw DataError(file: file, location: "line \(r + 1)", "column \(index + 1): expected a number, found '\(row[index].prefix(40))'")
            }
            values.append(v)
        }
        try self.init(series: values, window: window, testCount: testCount, file: file)
    }

    /// The months forecast, from the first one a whole window precedes.
    var targetMonths: Range<Int> { window..<series.count }

    /// The training and test examples (float32): features [N, window, 1], targets [N, 1]. Each carries
    /// these windows (``Dataset/forecast``).
    public func datasets(name: String) -> (train: Dataset, test: Dataset) {
        let logs = series.map { Foundation.log($0) }
        func part(_ months: Range<Int>) -> Dataset {
            var x: [Double] = [], y: [Double] = []
            for t in months {
                x += logs[(t - window)..<t].map { $0 - logs[t - 1] }
                y.append(logs[t] - logs[t - 1])
            }
            var d = Dataset(name: name, features: Tensor(shape: [months.count, window, 1], values: x),
                            targets: Tensor(shape: [months.count, 1], values: y))
            d.imageShape = nil   // windows [time, 1], not images
            d.forecast = self
            return d
        }
        let split = series.count - testCount
        return (part(window..<split), part(split..<series.count))
    }

    /// Forecasts in the series' units for the test months, from predicted log ratios: yₜ₋₁ · exp(prediction).
    public func values(fromLogRatios predictions: [Double]) -> [Double] {
        require(predictions.count == testCount, "ForecastWindows: \(predictions.count) predictions for \(testCount) test months")
        let split = series.count - testCount
        return predictions.enumerated().map { series[split + $0 - 1] * exp($1) }
    }

    /// Mean absolute error and mean absolute percentage error (in %) of forecasts for the test months.
    public func testErrors(forecasts: [Double]) -> (mae: Double, mape: Double) {
        let actual = series.suffix(testCount)
        let mae = zip(forecasts, actual).map { Swift.abs($0 - $1) }.reduce(0, +) / Double(testCount)
        let mape = zip(forecasts, actual).map { Swift.abs($0 - $1) / $1 }.reduce(0, +) / Double(testCount) * 100
        return (mae, mape)
    }

    /// The seasonal-naive forecasts of the test months: the same month a `season` earlier (12: last year's).
    public func seasonalNaive(season: Int = 12) -> [Double] {
        let split = series.count - testCount
        return (split..<series.count).map { series[Swift.max($0 - season, 0)] }
    }
}

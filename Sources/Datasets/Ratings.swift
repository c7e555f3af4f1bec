import FileIO
import TensorModule

/// Ratings of items by users, for recommendation: features int32 [N, 2] (user index, item index, each numbered from 0
/// in order of first appearance), targets the ratings [N, 1]. Each feature column is a model input of its own
/// (``Dataset/idColumnCounts`` holds how many users and items there are).
///
/// - ``read(_:)`` reads MovieLens's formats, which the user supplies (MovieLens may not be redistributed):
///   `u.data` (tab-separated `user item rating timestamp`, no header) or `ratings.csv` (`userId,movieId,rating,
///   timestamp` with a header). Any separator of tab, comma, `::` or spaces works; the first three fields are read.
/// - ``synthetic(users:items:rank:ratingsPerUser:noise:seed:)`` makes low-rank ratings with known noise.
///
/// ```swift
/// let ratings = try Ratings.read("ml-100k/u.data")          // 100,000 ratings of 1,682 movies by 943 users
/// let (train, test) = ratings.split(testFraction: 0.2, seed: 1)
/// ```
public enum Ratings {
    /// The ratings in the file at `path` (gzip allowed); a malformed line is a one-line ``DataError``.
    public static func read(_ path: String) throws(DataError) -> Dataset {
        try parse(Gzip.contents(ofFile: path), file: path)
    }

    /// Ratings from a file's bytes; `file` names it in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws(DataError) -> Dataset {
        var users: [String: Int32] = [:], items: [String: Int32] = [:]
        var ids: [Int32] = [], ratings: [Double] = []
        var lineNumber = 0
        for line in String(decoding: bytes, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let text = line.replacingOccurrences(of: "::", with: "\t")
            let fields = text.split(whereSeparator: { $0 == "\t" || $0 == "," || $0 == " " }).map(String.init)
            if fields.isEmpty { continue }
            guard fields.count >= 3 else {
                throw DataError(file: file, location: "line \(lineNumber)", "expected user, item and rating, found \(fields.count) field\(fields.count == 1 ? "" : "s")")
            }
            guard let rating = Double(fields[2]), rating.isFinite, Swift.abs(rating) < 1e30 else {
                if lineNumber == 1 && ratings.isEmpty { continue }   // a header
                throw DataError(file: file, location: "line \(lineNumber)", "the rating '\(fields[2].prefix(40))' is not a finite number")
            }
            let user = users[fields[0]] ?? Int32(users.count), item = items[fields[1]] ?? Int32(items.count)
            users[fields[0]] = user
            items[fields[1]] = item
            ids += [user, item]
            ratings.append(rating)
        }
        guard ratings.count >= 5 else { throw DataError(file: file, "needs at least 5 ratings, found \(ratings.count)") }
        return dataset(name: file, ids: ids, ratings: ratings, users: users.count, items: items.count)
    }

    static func dataset(name: String, ids: [Int32], ratings: [Double], users: Int, items: Int) -> Dataset {
        var d = Dataset(name: name, features: Tensor(shape: [ratings.count, 2], integers: ids),
                        targets: Tensor(shape: [ratings.count, 1], values: ratings))
        d.idColumnCounts = [users, items]
        return d
    }

    /// Seeded low-rank ratings: user u rates item i as 3 + aᵤ + bᵢ + pᵤ·qᵢ + ε, with pᵤ, qᵢ of `rank` components
    /// N(0, 1/√rank), biases N(0, 0.5) and noise ε N(0, `noise`); each user rates `ratingsPerUser` items drawn
    /// without repetition. A model that recovers the structure predicts held-out ratings to an RMSE near `noise`.
    ///
    /// ```swift
    /// let ratings = Ratings.synthetic(seed: 1)   // 300 users × 40 of 200 items: 12,000 ratings
    /// ```
    public static func synthetic(users: Int = 300, items: Int = 200, rank: Int = 4, ratingsPerUser: Int = 40, noise: Double = 0.25,
                                 seed: UInt64 = 0) -> Dataset {
        require(users > 0 && items > 0 && rank > 0 && (1...items).contains(ratingsPerUser) && noise >= 0,
                "Ratings.synthetic: sizes must be positive, with at most \(items) ratings per user, and noise ≥ 0")
        var rng = RandomGenerator(seed: seed)
        let scale = 1 / Double(rank).squareRoot().squareRoot()
        func vectors(_ n: Int) -> [[Double]] { (0..<n).map { _ in (0..<rank).map { _ in rng.nextNormal() * scale } } }
        let p = vectors(users), q = vectors(items)
        let userBias = (0..<users).map { _ in rng.nextNormal() * 0.5 }, itemBias = (0..<items).map { _ in rng.nextNormal() * 0.5 }
        var ids: [Int32] = [], ratings: [Double] = []
        for u in 0..<users {
            var chosen = Array(0..<items)
            chosen.shuffle(using: &rng)
            for i in chosen.prefix(ratingsPerUser) {
                let affinity = zip(p[u], q[i]).reduce(0) { $0 + $1.0 * $1.1 }
                ids += [Int32(u), Int32(i)]
                ratings.append(3 + userBias[u] + itemBias[i] + affinity + rng.nextNormal() * noise)
            }
        }
        return dataset(name: "synthetic-ratings", ids: ids, ratings: ratings, users: users, items: items)
    }
}

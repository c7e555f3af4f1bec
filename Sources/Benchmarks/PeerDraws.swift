import FileIO
import Foundation
import NeuralKit

/// The random draws of the peers' TensorFlow cnn script for one seed, as tools/peer-draws.py writes them: the four
/// Glorot-uniform weight tensors (put into the cnn preset's layers at `init`) and one batch order per epoch.
/// As a batch source it serves the training data in the current epoch's order (train with `shuffle: false`); as a
/// callback it follows `fit` from epoch to epoch. With it, a seed means the same start and the same batches in
/// NeuralKit as in TensorFlow.
final class PeerDraws: BatchSource, Callback {
    let data: any BatchSource
    /// Batch orders, `epochs` × `data.count` example indices.
    let orders: [Int]
    let epochs: Int
    private var epoch = 0

    init(directory: String, model: Sequential, data: any BatchSource) throws {
        func draw(_ name: String) throws -> NPYArray { try NPYArray(contentsOf: directory + "/" + name + ".npy") }
        let convolutions = model.layers.compactMap { $0 as? Conv2D }, denses = model.layers.compactMap { $0 as? Dense }
        guard convolutions.count == 2 && denses.count == 2 else {
            throw DataError(file: directory, "the draws fit the cnn preset (2 convolutions, 2 dense layers)")
        }
        for (parameter, name) in zip([convolutions[0].kernel, convolutions[1].kernel, denses[0].weight, denses[1].weight],
                                     ["K1", "K2", "W3", "W4"]) {
            let value = try draw(name).tensor()
            guard value.shape == parameter.value.shape else {
                throw DataError(file: name + ".npy", "shape \(value.shape), expected \(parameter.value.shape)")
            }
            parameter.assign(value)
        }
        let order = try draw("order")
        guard order.shape.count == 2 && order.shape[1] == data.count else {
            throw DataError(file: "order.npy", "shape \(order.shape), expected [epochs, \(data.count)]")
        }
        var orders: [Int] = []
        orders.reserveCapacity(order.shape[0] * data.count)
        for i in 0..<order.shape[0] * data.count {
            let v = order.value(at: i)
            guard v >= 0 && v < Double(data.count) && v.rounded() == v else {
                throw DataError(file: "order.npy", location: "element \(i)", "expected an index in 0..<\(data.count), found \(v)")
            }
            orders.append(Int(v))
        }
        self.orders = orders
        self.data = data
        epochs = order.shape[0]
    }

    var count: Int { data.count }
    var exampleShape: [Int] { data.exampleShape }
    func batch(_ indices: [Int]) -> (x: Tensor, y: Tensor) { data.batch(indices.map { orders[epoch * count + $0] }) }
    func onEpochBegin(_ trainer: Trainer, epoch: Int, logs: Logs) throws { self.epoch = epoch }
}

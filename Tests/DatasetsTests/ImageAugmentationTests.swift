import Testing
import NeuralKit

@Suite struct ImageAugmentationTests {
    /// A 5×5 single-channel image with one lit pixel at (row 1, column 2).
    func litPixel() -> [Double] {
        var image = [Double](repeating: 0, count: 25)
        image[1 * 5 + 2] = 1
        return image
    }

    @Test func translationByOneMovesTheLitPixelByOne() {
        let moved = ImageAugmentation.warp(litPixel(), height: 5, width: 5, channels: 1, shift: (x: 1, y: 0))
        #expect(moved.firstIndex(of: 1) == 1 * 5 + 3)
        #expect(moved.reduce(0, +) == 1)
        let down = ImageAugmentation.warp(litPixel(), height: 5, width: 5, channels: 1, shift: (x: 0, y: 2))
        #expect(down.firstIndex(of: 1) == 3 * 5 + 2)
    }

    @Test func quarterTurnMatchesTransposeAndFlip() {
        var rng = RandomGenerator(seed: 4)
        let image = (0..<36).map { _ in rng.nextUniform() }
        let turned = ImageAugmentation.warp(image, height: 6, width: 6, channels: 1, degrees: 90)
        // +90°: the transposed image flipped left–right, out[y][x] = in[5 − x][y]
        var expected = [Double](repeating: 0, count: 36)
        for y in 0..<6 { for x in 0..<6 { expected[y * 6 + x] = image[(5 - x) * 6 + y] } }
        #expect(turned == expected)
        #expect(turned.sorted() == image.sorted())
    }

    @Test func horizontalFlipMirrors() {
        let flipped = ImageAugmentation.warp(litPixel(), height: 5, width: 5, channels: 1, flip: true)
        #expect(flipped.firstIndex(of: 1) == 1 * 5 + 2)   // the middle column stays
        let corner = ImageAugmentation.warp([1, 2, 3, 4], height: 2, width: 2, channels: 1, flip: true)
        #expect(corner == [2, 1, 4, 3])
    }

    @Test func testTimeViewsShiftAndMirrorEveryImageAlike() {
        let batch = Tensor(shape: [2, 25], values: litPixel() + litPixel().reversed())
        let shifted = ImageAugmentation.view(of: batch, imageShape: [5, 5, 1], shift: (x: 1, y: 0)).values
        #expect(shifted.indices.filter { shifted[$0] == 1 } == [1 * 5 + 3, 25 + 3 * 5 + 3])
        let mirrored = ImageAugmentation.view(of: batch, imageShape: [5, 5, 1], flip: true).values
        #expect(mirrored.indices.filter { mirrored[$0] == 1 } == [1 * 5 + 2, 25 + 3 * 5 + 2])
    }

    @Test func sameSeedSameAugmentedBatch() {
        var rng = RandomGenerator(seed: 1)
        let batch = Tensor.randomUniform([4, 8, 8, 2], using: &rng)
        let transforms: [ImageTransform] = [.translation(maxPixels: 2), .rotation(maxDegrees: 15), .zoom(minimum: 0.9, maximum: 1.1),
                                            .horizontalFlip, .gaussianNoise(standardDeviation: 0.05), .cutout(size: 3)]
        let a = ImageAugmentation(transforms, seed: 9)(batch)
        let b = ImageAugmentation(transforms, seed: 9)(batch)
        let c = ImageAugmentation(transforms, seed: 10)(batch)
        #expect(a == b && a != c && a.shape == batch.shape)
        let flat = ImageAugmentation([.translation(maxPixels: 1)], imageShape: [8, 8, 2], seed: 9)(batch.reshaped(to: [4, 128]))
        #expect(flat.shape == [4, 128])
    }

    /// Zoom by 2 about the centre of a 5×5 image: the pixel one step from the centre lands two steps from it.
    @Test func zoomMagnifiesAboutTheCentre() {
        var image = [Double](repeating: 0, count: 25)
        image[2 * 5 + 3] = 1   // one right of the centre (2, 2)
        let zoomed = ImageAugmentation.warp(image, height: 5, width: 5, channels: 1, scale: 2)
        #expect(zoomed[2 * 5 + 4] == 1 && zoomed[2 * 5 + 3] == 1 && zoomed[2 * 5 + 2] == 0, "\(zoomed)")
        // Through the random transform, a zoom range of exactly [2, 2] does the same to every image.
        let batch = Tensor(shape: [3, 5, 5, 1], values: image + image + image)
        let out = ImageAugmentation([.zoom(minimum: 2, maximum: 2)], seed: 1)(batch).values
        for i in 0..<3 { #expect(Array(out[(i * 25)..<((i + 1) * 25)]) == zoomed) }
    }

    /// Each random transform changes the batch, each in its own way.
    @Test func everyRandomTransformActs() {
        var rng = RandomGenerator(seed: 5)
        let batch = Tensor.randomUniform([16, 8, 8, 1], using: &rng) + 1   // values in [1, 2): no zeros
        let ones = Tensor.ones([64, 8, 8, 1])
        // Rotation up to 30°: images of random pixels change (all but those drawn a few degrees, which nearest-
        // neighbour sampling of 8×8 pixels leaves as they were), and no new values appear.
        let rotated = ImageAugmentation([.rotation(maxDegrees: 30)], seed: 2)(batch).values
        var changed = 0
        for i in 0..<16 {
            let before = Array(batch.values[(i * 64)..<((i + 1) * 64)]), after = Array(rotated[(i * 64)..<((i + 1) * 64)])
            if before != after { changed += 1 }
            #expect(after.allSatisfy { $0 == 0 || before.contains($0) })
        }
        #expect(changed >= 12, "\(changed) of 16 images rotated")
        // Noise of standard deviation 0.1: mean ≈ 0 and deviation ≈ 0.1 over 4,096 pixels.
        let noise = (ImageAugmentation([.gaussianNoise(standardDeviation: 0.1)], seed: 3)(ones) - ones).values
        let mean = noise.reduce(0, +) / Double(noise.count)
        let sd = (noise.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(noise.count)).squareRoot()
        #expect(Swift.abs(mean) < 0.01 && Swift.abs(sd - 0.1) < 0.01, "mean \(mean), sd \(sd)")
        // Cutout of 3: each image loses one square of at most 3×3 pixels, and keeps the rest.
        let cut = ImageAugmentation([.cutout(size: 3)], seed: 4)(ones).values
        for i in 0..<64 {
            let zeros = (0..<64).filter { cut[i * 64 + $0] == 0 }
            #expect(!zeros.isEmpty && zeros.count <= 9, "image \(i): \(zeros.count) pixels cut")
            let rows = Set(zeros.map { $0 / 8 }), columns = Set(zeros.map { $0 % 8 })
            #expect(rows.count * columns.count == zeros.count && rows.count <= 3 && columns.count <= 3, "image \(i): not a square")
        }
    }
}

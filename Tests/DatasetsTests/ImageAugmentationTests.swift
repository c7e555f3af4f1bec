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
}

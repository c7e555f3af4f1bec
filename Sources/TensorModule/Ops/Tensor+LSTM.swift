// A whole LSTM recurrence as one op: every step's gates, cell and hidden state in one forward loop and one tape
// node, with back-propagation through time in its pullback. Per step the forward pass is one GEMM (h·U added to the
// step's precomputed input projection) and one pass over the gates; the backward pass is one GEMM per step
// (dz·Uᵀ), and the recurrent kernel's gradient is a single GEMM after the loop. Nothing is allocated per step.

extension Tensor {
    /// Runs the LSTM recurrence over `projected` [batch, time, 4·units] (each step's x·W + b, gates i, f, g, o) with
    /// the recurrent kernel `recurrentKernel` [units, 4·units], from the states `h0` and `c0` [batch, units]:
    ///
    ///     z = projectedₜ + hₜ₋₁·U;  i, f, o = σ(z_i, z_f, z_o);  g = tanh(z_g)
    ///     cₜ = f ⊙ cₜ₋₁ + i ⊙ g;   hₜ = o ⊙ tanh(cₜ)
    ///
    /// Returns [batch, time, 2·units]: after each step, h then c, in the order the steps run (`backwards` runs the last
    /// step first). Where `mask` [batch, time] (1 keep, 0 skip) is 0, the step keeps the previous h and c.
    /// The same values as the op-by-op cell, in one op and one tape node.
    ///
    /// ```swift
    /// let hc = Tensor.lstmRecurrence(projected: x.dense(w, bias: b).reshaped(to: [n, t, 4 * u]), recurrentKernel: uK,
    ///                                h0: .zeros([n, u]), c0: .zeros([n, u]))
    /// let outputs = hc.slice(alongAxis: 2, 0..<u)   // every step's h
    /// ```
    public static func lstmRecurrence(projected: Tensor, recurrentKernel: Tensor, h0: Tensor, c0: Tensor, mask: Tensor? = nil,
                                      backwards: Bool = false) -> Tensor {
        let (n, steps) = (projected.rank == 3 ? projected.shape[0] : 0, projected.rank == 3 ? projected.shape[1] : 0)
        let units = recurrentKernel.rank == 2 ? recurrentKernel.shape[0] : 0
        validate { () throws(ShapeError) in
            try Shapes.checkSameDType(projected.dtype, recurrentKernel.dtype, op: "lstmRecurrence")
            guard recurrentKernel.rank == 2, recurrentKernel.shape[1] == 4 * units, projected.rank == 3, projected.shape[2] == 4 * units,
                  h0.shape == [n, units], c0.shape == [n, units], h0.dtype == projected.dtype, c0.dtype == projected.dtype else {
                throw ShapeError(op: "lstmRecurrence", "projected \(projected.shape), recurrent kernel \(recurrentKernel.shape), states "
                                 + "\(h0.shape) and \(c0.shape) are not [batch, time, 4u], [u, 4u] and [batch, u]")
            }
            if let mask, mask.shape != [n, steps] || mask.dtype != projected.dtype {
                throw ShapeError(op: "lstmRecurrence", "mask \(mask.shape) (\(mask.dtype)) does not fit sequences \(projected.shape)")
            }
        }
        let gates = Tensor(uninitialized: [n, steps, 4 * units], dtype: projected.dtype)
        let hc = Tensor(uninitialized: [n, steps, 2 * units], dtype: projected.dtype)
        let plan = LSTMPlan(n: n, steps: steps, units: units, backwards: backwards)
        switch projected.dtype {
        case .int32: floatOnly()
        case .float32: plan.forward(Float.self, projected, recurrentKernel, h0, c0, mask, gates: gates, hc: hc)
        case .float64: plan.forward(Double.self, projected, recurrentKernel, h0, c0, mask, gates: gates, hc: hc)
        }
        let needU = recurrentKernel.requiresGradient
        return hc.recording("lstmRecurrence", inputs: [projected, recurrentKernel, h0, c0]) { grad in
            let dProjected = Tensor(uninitialized: projected.shape, dtype: projected.dtype)
            let dU = needU ? Tensor(uninitialized: recurrentKernel.shape, dtype: projected.dtype) : nil
            let dh0 = Tensor(uninitialized: h0.shape, dtype: h0.dtype), dc0 = Tensor(uninitialized: c0.shape, dtype: c0.dtype)
            switch projected.dtype {
            case .int32: floatOnly()
            case .float32: plan.backward(Float.self, grad, recurrentKernel, h0, c0, mask, gates: gates, hc: hc, dProjected: dProjected,
                                         dU: dU, dh0: dh0, dc0: dc0)
            case .float64: plan.backward(Double.self, grad, recurrentKernel, h0, c0, mask, gates: gates, hc: hc, dProjected: dProjected,
                                         dU: dU, dh0: dh0, dc0: dc0)
            }
            return InputGradients(all: [dProjected, dU, dh0, dc0])
        }
    }
}

/// The loops of ``Tensor/lstmRecurrence(projected:recurrentKernel:h0:c0:mask:backwards:)``. Row b of step s (in
/// run order) reads input time t = s, or T − 1 − s backwards; gates and hc are stored by s, dProjected by t.
///
/// Large enough, each step splits its units into one part per worker (``Parallel/workerCount``, at most the pool's
/// width): a part's gates need only its own columns of the recurrent product, and its cell only its own gates, so a
/// worker runs its part's GEMM and cell pass with no wait between them; the workers meet once per step, where the
/// next step needs all of h (or, backwards, all of dz).
private struct LSTMPlan {
    let n, steps, units: Int
    let backwards: Bool

    func time(_ s: Int) -> Int { backwards ? steps - 1 - s : s }

    /// The unit ranges of the parts, one per worker (at most ``Parallel/poolWidth``), each a multiple of 16 units but
    /// the last, when the work per step is large enough; otherwise one.
    var parts: [Range<Int>] {
        let count = Swift.min(Parallel.workerCount, Parallel.poolWidth, units / 16)
        guard count > 1, n * units * 24 >= Parallel.minimumCount else { return [0..<units] }
        let size = (units / count + 15) & ~15
        return (0..<count).map { k in Swift.min(k * size, units)..<(k == count - 1 ? units : Swift.min((k + 1) * size, units)) }
    }

    /// Runs `body` for each part, on as many workers as there are parts.
    func forEachPart(_ parts: [Range<Int>], _ body: (Range<Int>) -> Void) {
        if parts.count == 1 { body(parts[0]) } else { Parallel.both { body(parts[$0]) } }
    }

    func forward<T: TensorScalar>(_: T.Type, _ projected: Tensor, _ u: Tensor, _ h0: Tensor, _ c0: Tensor, _ mask: Tensor?,
                                  gates: Tensor, hc: Tensor) {
        let (p, g, out) = (projected.pointer(T.self), gates.pointer(T.self), hc.pointer(T.self))
        let (ph0, pc0, m) = (h0.pointer(T.self), c0.pointer(T.self), mask?.pointer(T.self))
        let (g4, s2, parts) = (4 * units, 2 * units, self.parts)
        // U with each part's gate columns side by side ([i, f, g, o] of its units), and the step's product in that layout.
        let arranged = Tensor(uninitialized: [max(units * g4, 1)], dtype: T.dtype), product = Tensor(uninitialized: [max(n * g4, 1)], dtype: T.dtype)
        let (ua, zp, uk) = (arranged.pointer(T.self), product.pointer(T.self), u.pointer(T.self))
        for r in 0..<units {
            for part in parts {
                for q in 0..<4 {
                    (ua + r * g4 + 4 * part.lowerBound + q * part.count).update(from: uk + r * g4 + q * units + part.lowerBound, count: part.count)
                }
            }
        }
        for s in 0..<steps {
            let t = time(s)
            let (hPrevAll, ldh) = s == 0 ? (UnsafePointer(ph0), units) : (UnsafePointer(out + (s - 1) * s2), steps * s2)
            forEachPart(parts) { part in
                let (lo, width, column) = (part.lowerBound, part.count, 4 * part.lowerBound)
                if units > 0 {
                    BLAS.serialGemm(transposeA: false, transposeB: false, m: n, n: 4 * width, k: units, a: hPrevAll, lda: ldh,
                                    b: ua + column, ldb: g4, c: zp + column, ldc: g4, beta: 0)
                }
                for b in 0..<n {
                    let z = g + (b * steps + s) * g4, projectedRow = p + (b * steps + t) * g4, productRow = zp + b * g4 + column
                    let row = out + (b * steps + s) * s2
                    let (hPrev, cPrev) = s == 0 ? (UnsafePointer(ph0 + b * units), UnsafePointer(pc0 + b * units))
                                                : (UnsafePointer(row - s2), UnsafePointer(row - s2 + units))
                    if let m, m[b * steps + t] == 0 {
                        (row + lo).update(from: hPrev + lo, count: width)
                        (row + units + lo).update(from: cPrev + lo, count: width)
                        continue
                    }
                    // z = hₜ₋₁·U + projectedₜ for this part's units, gate by gate, back in the i, f, g, o layout.
                    for q in 0..<4 {
                        let (zq, pq, xq) = (z + q * units + lo, productRow + q * width, projectedRow + q * units + lo)
                        for j in 0..<width { zq[j] = pq[j] + xq[j] }
                        Kernels.activate(zq, width, q == 2 ? .tanh : .sigmoid)
                    }
                    let (c, h) = (row + units, row)
                    for j in part { c[j] = z[units + j] * cPrev[j] + z[j] * z[2 * units + j] }
                    (h + lo).update(from: c + lo, count: width)
                    Kernels.activate(h + lo, width, .tanh)
                    for j in part { h[j] *= z[3 * units + j] }
                }
            }
        }
    }

    func backward<T: TensorScalar>(_: T.Type, _ grad: Tensor, _ u: Tensor, _ h0: Tensor, _ c0: Tensor, _ mask: Tensor?,
                                   gates: Tensor, hc: Tensor, dProjected: Tensor, dU: Tensor?, dh0: Tensor, dc0: Tensor) {
        let (dOut, uk, g, out) = (grad.pointer(T.self), u.pointer(T.self), gates.pointer(T.self), hc.pointer(T.self))
        let (ph0, pc0, m, dz) = (h0.pointer(T.self), c0.pointer(T.self), mask?.pointer(T.self), dProjected.pointer(T.self))
        let (g4, s2, parts) = (4 * units, 2 * units, self.parts)
        // The gradients flowing into step s from step s + 1 (dh, dc: [n, units] each), this step's total dh, and tanh(c).
        let work = Tensor(uninitialized: [4, max(n * units, 1)], dtype: T.dtype)
        let dhNext = work.pointer(T.self), dcNext = dhNext + n * units, dhHere = dcNext + n * units, tc = dhHere + n * units
        dhNext.initialize(repeating: 0, count: 2 * n * units)
        /// dhₜ₋₁ = dz·Uᵀ for the step run at `s` (time t), columns `part`; a skipped row's dh passes through instead.
        func recurrentGradient(_ s: Int, _ part: Range<Int>) {
            let t = time(s)
            if units > 0 {
                BLAS.serialGemm(transposeA: false, transposeB: true, m: n, n: part.count, k: g4, a: dz + t * g4, lda: steps * g4,
                                b: uk + part.lowerBound * g4, ldb: g4, c: dhNext + part.lowerBound, ldc: units, beta: 0)
            }
            if let m {
                for b in 0..<n where m[b * steps + t] == 0 {
                    (dhNext + b * units + part.lowerBound).update(from: dhHere + b * units + part.lowerBound, count: part.count)
                }
            }
        }
        for s in (0..<steps).reversed() {
            let t = time(s)
            forEachPart(parts) { part in
                if s + 1 < steps { recurrentGradient(s + 1, part) }
                let (lo, width) = (part.lowerBound, part.count)
                for b in 0..<n {
                    let gradRow = dOut + (b * steps + s) * s2, row = out + (b * steps + s) * s2
                    let dh = dhHere + b * units, dc = dcNext + b * units, dhIn = dhNext + b * units
                    for j in part {
                        dh[j] = gradRow[j] + dhIn[j]
                        dc[j] += gradRow[units + j]
                    }
                    let dzRow = dz + (b * steps + t) * g4
                    if let m, m[b * steps + t] == 0 {
                        // A skipped step passed h and c through: so do their gradients (dc stays in dcNext).
                        for q in 0..<4 { (dzRow + q * units + lo).initialize(repeating: 0, count: width) }
                        continue
                    }
                    let z = g + (b * steps + s) * g4
                    let cPrev = s == 0 ? UnsafePointer(pc0 + b * units) : UnsafePointer(row - s2 + units)
                    let tcRow = tc + b * units
                    (tcRow + lo).update(from: row + units + lo, count: width)
                    Kernels.activate(tcRow + lo, width, .tanh)
                    for j in part {
                        let (i, f, gg, o) = (z[j], z[units + j], z[2 * units + j], z[3 * units + j])
                        let th = tcRow[j]
                        let dcTotal = dc[j] + dh[j] * o * (1 - th * th)
                        dzRow[j] = dcTotal * gg * i * (1 - i)
                        dzRow[units + j] = dcTotal * cPrev[j] * f * (1 - f)
                        dzRow[2 * units + j] = dcTotal * i * (1 - gg * gg)
                        dzRow[3 * units + j] = dh[j] * th * o * (1 - o)
                        dc[j] = dcTotal * f
                    }
                }
            }
        }
        if steps > 0 { forEachPart(parts) { recurrentGradient(0, $0) } }
        dh0.pointer(T.self).update(from: dhNext, count: n * units)
        dc0.pointer(T.self).update(from: dcNext, count: n * units)
        guard let dU else { return }
        // dU = Σₜ hₜ₋₁ᵀ·dzₜ as one GEMM: the previous h of every (row, time), in dProjected's order.
        let previous = Tensor(uninitialized: [max(n * steps, 1), units], dtype: T.dtype)
        let hp = previous.pointer(T.self)
        for b in 0..<n {
            for s in 0..<steps {
                let source = s == 0 ? UnsafePointer(ph0 + b * units) : UnsafePointer(out + (b * steps + s - 1) * s2)
                (hp + (b * steps + time(s)) * units).update(from: source, count: units)
            }
        }
        if n * steps == 0 {
            dU.pointer(T.self).initialize(repeating: 0, count: units * g4)
        } else {
            BLAS.gemm(transposeA: true, transposeB: false, m: units, n: g4, k: n * steps, a: hp, lda: units, b: dz, ldb: g4,
                      c: dU.pointer(T.self), ldc: g4)
        }
    }
}

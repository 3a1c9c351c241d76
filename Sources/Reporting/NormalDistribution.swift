import Foundation

/// The few distribution functions the report needs, in closed form.
enum NormalDistribution {
    /// The two-sided 95 % critical value of the standard normal distribution.
    static let z95 = 1.959_963_984_540_054

    /// P(|Z| ≥ |z|) for a standard normal Z.
    static func twoSidedPValue(_ z: Double) -> Double {
        erfc(abs(z) / 2.0.squareRoot())
    }

    /// The two-sided 95 % critical value of Student's t with `degreesOfFreedom`, by the
    /// Cornish–Fisher expansion around the normal quantile (off by 0.003 at 5 degrees of freedom,
    /// by less than 0.0002 from 10 on; the report asks for at least 100 customers per group).
    static func t95(degreesOfFreedom df: Double) -> Double {
        guard df.isFinite, df > 0 else { return z95 }
        let z = z95, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
        return z + (z3 + z) / (4 * df)
            + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df * df * df)
    }
}

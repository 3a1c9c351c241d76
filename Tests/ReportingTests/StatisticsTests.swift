import CustomerStore
import Foundation
import Testing

@testable import Reporting

/// The statistics against worked values and against simulation.
@Suite("report statistics")
struct StatisticsTests {
    @Test("two proportions: 120/1000 against 80/1000")
    func worked() throws {
        let test = TwoProportion(treatedConverted: 120, treatedCustomers: 1000, holdoutConverted: 80, holdoutCustomers: 1000)
        let lift = try #require(test.absoluteLift)
        #expect(abs(lift.estimate - 0.04) < 1e-12)
        #expect(abs(lift.high - lift.estimate - 0.026_237_176) < 1e-8)
        #expect(abs(try #require(test.z) - 2.981_423_970) < 1e-8)
        #expect(abs(try #require(test.pValue) - 0.002_869_113) < 1e-8)
        let relative = try #require(test.relativeLift)
        #expect(abs(relative.estimate - 0.5) < 1e-12)
        #expect(abs(relative.low - 0.146_243_701) < 1e-8)
        #expect(abs(relative.high - 0.962_933_360) < 1e-8)
    }

    @Test("no conversions in a group: no relative lift, no test")
    func degenerate() {
        let none = TwoProportion(treatedConverted: 0, treatedCustomers: 500, holdoutConverted: 0, holdoutCustomers: 100)
        #expect(none.relativeLift == nil)
        #expect(none.z == nil)
        #expect(TwoProportion(treatedConverted: 0, treatedCustomers: 0, holdoutConverted: 0, holdoutCustomers: 0).absoluteLift == nil)
    }

    @Test("Student's t quantiles against the table")
    func tQuantile() {
        for (df, table) in [(10.0, 2.2281), (30, 2.0423), (100, 1.9840), (1e9, 1.9600)] {
            #expect(abs(NormalDistribution.t95(degreesOfFreedom: df) - table) < 0.0002, "df \(df)")
        }
    }

    @Test("Welch's interval from the sums: revenue 0, 0, 1.00, 3.00 against 0, 1.00, 2.00")
    func welch() throws {
        var treated = GroupTally(), holdout = GroupTally()
        for value in [0, 0, 100, 300] as [Int64] { treated.add(value) }
        for value in [0, 100, 200] as [Int64] { holdout.add(value) }
        let difference = try #require(MeanDifference.revenuePerCustomer(treated: treated, holdout: holdout))
        #expect(difference.estimate == 0)
        // s² = 20 000 and 10 000, standard error √(5000 + 3333.3) = 91.29, ν = 5, t = 2.5706.
        #expect(abs(difference.high - 2.5706 * 91.287) < 0.5, "\(difference)")
    }

    @Test("over 1000 simulated experiments, the 95 % interval holds the true lift about 95 % of the time")
    func coverage() {
        var random = SplitMix64(seed: 42)
        func binomial(_ n: Int, _ p: Double) -> Int { (0..<n).reduce(0) { count, _ in count + (random.unit() < p ? 1 : 0) } }
        var covered = 0, relativeCovered = 0, falseAlarms = 0
        let runs = 1000
        for _ in 0..<runs {
            let test = TwoProportion(treatedConverted: binomial(1500, 0.12), treatedCustomers: 1500,
                                     holdoutConverted: binomial(500, 0.08), holdoutCustomers: 500)
            if test.absoluteLift?.contains(0.04) == true { covered += 1 }
            if test.relativeLift?.contains(0.5) == true { relativeCovered += 1 }
            let null = TwoProportion(treatedConverted: binomial(1500, 0.1), treatedCustomers: 1500,
                                     holdoutConverted: binomial(500, 0.1), holdoutCustomers: 500)
            if case .significant = LiftVerdict(null) { falseAlarms += 1 }
        }
        #expect((930...970).contains(covered), "\(covered) of \(runs)")
        #expect((930...970).contains(relativeCovered), "\(relativeCovered) of \(runs)")
        #expect((30...70).contains(falseAlarms), "\(falseAlarms) of \(runs)")
    }

    @Test("verdict words")
    func words() {
        #expect(LiftVerdict.significant(lift: 0.031).text == "+3.1 points, significant")
        #expect(LiftVerdict.significant(lift: -0.02).text == "−2.0 points, significant")
        #expect(LiftVerdict.noMeasurableEffect.text == "no measurable effect")
    }
}

extension GroupTally {
    /// Adds one customer with this revenue (0: not converted).
    mutating func add(_ revenue: Int64) {
        customers += 1
        if revenue > 0 { converted += 1; orders += 1 }
        revenueMinor += revenue
        revenueSquares += Double(revenue) * Double(revenue)
    }
}

import CorrelateModel

/// The time axis over a waterfall: ticks at a round step (1, 2 or 5 of a unit, or a round
/// number of seconds, minutes or hours), at most ``maximumIntervals`` of them, each labelled
/// as ``Milliseconds/spoken(_:)`` says a duration, and each label exact in that style (no
/// `1.2 min` for 70 s: a step whose ticks that style would round is passed over).
struct TimeAxis: Equatable {
    /// The length drawn, in milliseconds.
    var total: Double
    /// The distance between two ticks, in milliseconds.
    var step: Double

    static let maximumIntervals = 7

    /// Steps in milliseconds, ascending; each step's labels are exact for the totals it is
    /// chosen for.
    static let steps: [Double] = [
        0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500,
        1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000,
        1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
    ]

    init(total: Double) {
        let length = total.isFinite && total > 0 ? total : 0
        let intervals = Double(TimeAxis.maximumIntervals)
        self.total = length
        // Past seven days: whole days.
        self.step = TimeAxis.steps.first { step in
            length / step <= intervals && stride(from: step, through: length, by: step).allSatisfy(TimeAxis.saysExactly)
        } ?? (length / intervals / 86_400_000).rounded(.up) * 86_400_000
    }

    /// Whether ``Milliseconds/spoken(_:)`` says `value` without rounding it: in minutes to a
    /// tenth (six seconds), in hours to a tenth (six minutes).
    static func saysExactly(_ value: Double) -> Bool {
        if value < 60_000 { return true }
        let unit: Double = value < 3_600_000 ? 6_000 : 360_000
        return (value / unit).rounded() * unit == value
    }

    /// The ticks from 0 to the end: where (a fraction of the width) and the label.
    var ticks: [(fraction: Double, label: String)] {
        guard total > 0 else { return [(0, "0")] }
        var ticks: [(Double, String)] = []
        var index = 0.0
        while index * step <= total * (1 + 1e-9) {
            let value = index * step
            ticks.append((value / total, index == 0 ? "0" : Milliseconds.spoken(value)))
            index += 1
        }
        return ticks
    }

    /// The step as a fraction of the width (for the grid lines behind the bars).
    var stepFraction: Double { total > 0 ? step / total : 1 }
}

import Models

extension Money {
    /// `$1,250,000.00`, for sentences and statements; the wire
    /// format stays `description`.
    var dollars: String {
        let magnitude = self.cents.magnitude
        var whole = String(magnitude / 100)
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        let fraction = magnitude % 100
        return "\(self.cents < 0 ? "-" : "")$\(whole)\(grouped).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

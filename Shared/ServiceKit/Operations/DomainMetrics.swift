import Metrics

/// The counters of what users do, beside the per-route RED metrics (`hb_requests`,
/// `http_server_request_duration`): one place names them, so deploy/monitoring's dashboard and
/// alerts and the code agree (scripts/check-monitoring.py checks every name they use exists).
/// Each is counted after its work committed.
public enum DomainMetrics {
    /// `tract_sign_ins_total{method}`: sessions opened (`password`, `magic_link`, `passkey`, `oauth:<provider>`).
    public static func signedIn(method: String) {
        Counter(label: "tract_sign_ins_total", dimensions: [("method", method)]).increment()
    }

    /// `tract_emails_sent_total{kind}`: mails the SMTP server accepted (`transactional`, `campaign`).
    public static func emailsSent(_ count: Int, kind: String) {
        guard count > 0 else { return }
        Counter(label: "tract_emails_sent_total", dimensions: [("kind", kind)]).increment(by: count)
    }

    /// `tract_events_ingested_total`: analytics events stored from clients (duplicates not counted).
    public static func eventsIngested(_ count: Int) {
        guard count > 0 else { return }
        Counter(label: "tract_events_ingested_total").increment(by: count)
    }

    /// `tract_distributions_paid_total`: investors' distribution payments completed (one per line
    /// of a completed distribution).
    public static func distributionsPaid(_ count: Int) {
        guard count > 0 else { return }
        Counter(label: "tract_distributions_paid_total").increment(by: count)
    }
}

/// A message to send: a text body and optionally an HTML alternative of the same content.
public struct Email: Sendable {
    public var from: EmailAddress
    public var to: [EmailAddress]
    public var replyTo: EmailAddress?
    public var subject: String
    public var textBody: String
    public var htmlBody: String?
    /// Further headers (`List-Unsubscribe`, `X-Entity-Ref-ID`, …). Validated when rendered.
    public var extraHeaders: [(name: String, value: String)]

    public init(
        from: EmailAddress,
        to: [EmailAddress],
        replyTo: EmailAddress? = nil,
        subject: String,
        textBody: String,
        htmlBody: String? = nil,
        extraHeaders: [(name: String, value: String)] = []
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.extraHeaders = extraHeaders
    }
}

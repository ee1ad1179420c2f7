/// The consent to electronic records and signatures an investor gives before signing (pure).
///
/// ESIGN Act, 15 U.S.C. §7001(c)(1): an electronic record satisfies a law requiring a consumer be
/// given information in writing only if the consumer affirmatively consented after a clear and
/// conspicuous statement of (i) the right to paper, (ii) the right to withdraw consent and its
/// consequences, (iii) what the consent covers, (iv) how to withdraw it and update contact
/// details, and (B) how to get a paper copy, and (C) the hardware and software needed. UETA §5(b)
/// likewise applies only where the parties agreed to transact electronically. The text is shown
/// with the offering's documents, the investor sends its `version` back with `esign_consent: true`,
/// and the signature records the very text of that version (and the signed copy prints it).
/// A change of wording is a new version; older signatures keep the text they were given.
enum ESignConsent {
    static let version = "tract-esign-2026-12"

    static let text = """
        Consent to electronic records and signatures (ESIGN Act, 15 U.S.C. §7001; Uniform Electronic Transactions Act). \
        By checking the box and typing your name you agree that: (1) this subscription agreement and the records of this investment \
        may be provided to you electronically and that your typed name is your electronic signature, with the same effect as a \
        handwritten one; (2) this consent covers this offering's subscription agreement and the notices and records of your \
        investment in it; (3) you may instead ask for these records on paper, at no charge, by writing to the sponsor or to \
        support@tract.dev, and you may withdraw this consent at any time the same way, without fee; withdrawing does not undo \
        what you signed before, but your investment may not proceed electronically afterwards; (4) you will keep your email \
        address current in your Tract profile; (5) to read and keep these records you need a device with a current web browser, \
        a PDF reader and an email account, and you confirm you can open the PDF of the agreement you are signing. \
        Your name, the time, your IP address and your browser's user agent are recorded with your signature.
        """
}

import CBOR

/// WebAuthn relying-party verification. Filled in by issue 15's passkey work.
public enum WebAuthn {}

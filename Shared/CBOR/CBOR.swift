/// A decoded CBOR data item (RFC 8949). Filled in by issue 15's passkey work.
public indirect enum CBOR: Sendable, Hashable {
    case unsigned(UInt64)
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    case map([CBOR: CBOR])
    case tagged(UInt64, CBOR)
    case simple(UInt8)
    case boolean(Bool)
    case null
    case undefined
    case float(Double)
}

import CBOR
import Crypto
import CryptoExtras
import Foundation

/// A credential public key in COSE_Key form (RFC 9053), limited to the algorithms Tract offers in
/// `pubKeyCredParams`: ES256 (-7, P-256), EdDSA (-8, Ed25519) and RS256 (-257, RSA PKCS#1 v1.5).
public struct COSEKey: Sendable {
    public enum Algorithm: Int, Sendable, CaseIterable {
        case es256 = -7
        case edDSA = -8
        case rs256 = -257
    }

    enum Key: Sendable {
        case p256(P256.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey)
    }

    public let algorithm: Algorithm
    let key: Key

    /// Parses the stored or received COSE_Key bytes.
    public init(_ bytes: [UInt8]) throws(WebAuthnError) {
        let map: CBOR
        do {
            map = try CBORDecoder(maximumDepth: 2, maximumItems: 32, maximumInputSize: 2048).decode(bytes)
        } catch {
            throw .malformed("credential public key is not valid CBOR")
        }
        try self.init(map)
    }

    public init(_ map: CBOR) throws(WebAuthnError) {
        guard map.mapEntries != nil, let kty = map[1]?.int, let alg = map[3]?.int else {
            throw .malformed("credential public key lacks kty or alg")
        }
        guard let algorithm = Algorithm(rawValue: alg) else { throw .unsupportedAlgorithm(alg) }
        self.algorithm = algorithm
        do {
            switch (algorithm, kty) {
            case (.es256, 2):
                // crv 1 is P-256; x and y are the 32-byte big-endian coordinates.
                guard map[-1]?.int == 1, let x = map[-2]?.byteString, let y = map[-3]?.byteString, x.count == 32, y.count == 32 else {
                    throw WebAuthnError.malformed("ES256 key needs crv P-256 and 32-byte x and y")
                }
                self.key = .p256(try P256.Signing.PublicKey(x963Representation: [0x04] + x + y))
            case (.edDSA, 1):
                // crv 6 is Ed25519.
                guard map[-1]?.int == 6, let x = map[-2]?.byteString, x.count == 32 else {
                    throw WebAuthnError.malformed("EdDSA key needs crv Ed25519 and a 32-byte x")
                }
                self.key = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: x))
            case (.rs256, 3):
                guard let n = map[-1]?.byteString, let e = map[-2]?.byteString, !n.isEmpty, !e.isEmpty, n.count <= 1024, e.count <= 8 else {
                    throw WebAuthnError.malformed("RS256 key needs n and e")
                }
                // CryptoExtras refuses moduli under 2048 bits.
                self.key = .rsa(try _RSA.Signing.PublicKey(n: Data(n), e: Data(e)))
            default:
                throw WebAuthnError.malformed("key type \(kty) does not match algorithm \(alg)")
            }
        } catch let error as WebAuthnError {
            throw error
        } catch {
            throw .malformed("credential public key is not a valid \(algorithm) key")
        }
    }

    /// Whether `signature` is this key's signature over `data` (ES256 signatures are DER).
    public func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
        switch self.key {
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: data)
        case .ed25519(let key):
            return key.isValidSignature(signature, for: data)
        case .rsa(let key):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: data, padding: .insecurePKCS1v1_5)
        }
    }
}

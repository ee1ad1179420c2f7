import CBOR
import Crypto
import Foundation
import SwiftASN1
import X509

/// How the authenticator vouched for a new credential.
public enum AttestationType: Sendable, Equatable {
    /// `none`: nothing beyond the credential itself.
    case none
    /// `packed` without a certificate: signed by the credential's own key.
    case selfAttestation
    /// `packed` with x5c: signed by an attestation key whose certificate chain is returned (leaf
    /// first, DER) for the caller to judge against metadata it trusts.
    case basic(certificates: [[UInt8]])
}

/// Attestation statement verification (WebAuthn §8.2 `packed`, §8.7 `none`).
enum Attestation {
    /// id-fido-gen-ce-aaguid. OIDs are compared in dotted form: SwiftASN1 is not a direct dependency.
    static let aaguidExtension = "1.3.6.1.4.1.45724.1.1.4"
    static let organizationalUnitName = "2.5.4.11"
    static let countryName = "2.5.4.6"
    static let organizationName = "2.5.4.10"
    static let commonName = "2.5.4.3"

    static func verify(
        format: String, statement: CBOR, authenticatorData: AuthenticatorData, rawAuthenticatorData: [UInt8], clientDataHash: [UInt8],
        credentialKey: COSEKey
    ) throws(WebAuthnError) -> AttestationType {
        switch format {
        case "none":
            guard statement.mapEntries?.isEmpty == true else { throw .invalidAttestation("none attestation must have an empty statement") }
            return .none
        case "packed":
            return try Self.packed(
                statement, authenticatorData: authenticatorData, signed: rawAuthenticatorData + clientDataHash, credentialKey: credentialKey)
        default:
            throw .unsupportedAttestationFormat(format)
        }
    }

    static func packed(_ statement: CBOR, authenticatorData: AuthenticatorData, signed: [UInt8], credentialKey: COSEKey) throws(WebAuthnError)
        -> AttestationType
    {
        guard let alg = statement["alg"]?.int, let signature = statement["sig"]?.byteString else {
            throw .invalidAttestation("packed statement needs alg and sig")
        }
        guard let chain = statement["x5c"] else {
            // Self attestation: the credential key signs, so its algorithm must be the one named.
            guard alg == credentialKey.algorithm.rawValue else { throw .invalidAttestation("alg does not match the credential key") }
            guard credentialKey.isValidSignature(signature, for: signed) else { throw .invalidAttestation("self attestation signature") }
            return .selfAttestation
        }
        guard let items = chain.arrayValue, !items.isEmpty, items.count <= 8 else { throw .invalidAttestation("x5c must be 1 to 8 certificates") }
        var certificates: [[UInt8]] = []
        for item in items {
            guard let der = item.byteString else { throw .invalidAttestation("x5c entries must be byte strings") }
            certificates.append(der)
        }
        let leaf: Certificate
        do {
            leaf = try Certificate(derEncoded: certificates[0])
        } catch {
            throw .invalidAttestation("attestation certificate does not parse")
        }
        let algorithm: Certificate.SignatureAlgorithm
        switch alg {
        case -7: algorithm = .ecdsaWithSHA256
        case -8: algorithm = .ed25519
        case -257: algorithm = .sha256WithRSAEncryption
        default: throw .unsupportedAlgorithm(alg)
        }
        guard leaf.publicKey.isValidSignature(signature, for: signed, signatureAlgorithm: algorithm) else {
            throw .invalidAttestation("attestation signature")
        }
        try Self.checkRequirements(leaf, aaguid: authenticatorData.attestedCredential?.aaguid ?? [])
        return .basic(certificates: certificates)
    }

    /// Packed attestation certificate requirements (WebAuthn §8.2.1).
    static func checkRequirements(_ leaf: Certificate, aaguid: [UInt8]) throws(WebAuthnError) {
        guard leaf.version == .v3 else { throw .invalidAttestation("attestation certificate must be version 3") }
        let subject = leaf.subject.flatMap { $0 }
        func values(_ oid: String) -> [String] { subject.filter { String(describing: $0.type) == oid }.compactMap { String($0.value) } }
        guard values(Self.organizationalUnitName) == ["Authenticator Attestation"] else {
            throw .invalidAttestation("attestation certificate subject OU must be \"Authenticator Attestation\"")
        }
        // Subject C (an ISO 3166 code), O (the vendor) and CN are required too.
        guard values(Self.countryName).first?.count == 2, !(values(Self.organizationName).first ?? "").isEmpty,
            !(values(Self.commonName).first ?? "").isEmpty
        else {
            throw .invalidAttestation("attestation certificate subject needs C, O and CN")
        }
        let constraints: BasicConstraints?
        do {
            constraints = try leaf.extensions.basicConstraints
        } catch {
            throw .invalidAttestation("attestation certificate basic constraints do not parse")
        }
        if case .isCertificateAuthority = constraints { throw .invalidAttestation("attestation certificate must not be a CA") }
        if let extensionValue = leaf.extensions.first(where: { String(describing: $0.oid) == Self.aaguidExtension }) {
            // The extension's value is a DER OCTET STRING of the 16-byte AAGUID; it must not be critical.
            guard !extensionValue.critical else { throw .invalidAttestation("AAGUID extension must not be critical") }
            let value = Array(extensionValue.value)
            guard value.count == 18, value[0] == 0x04, value[1] == 16 else { throw .invalidAttestation("AAGUID extension does not parse") }
            guard Array(value[2...]) == aaguid else { throw .invalidAttestation("certificate AAGUID differs from the authenticator data") }
        }
    }
}

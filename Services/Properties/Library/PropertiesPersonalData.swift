import ServiceKit

/// properties' tables that hold rows about a user, for the data export (`PersonalDataTable`): the
/// developer profile and OZ check, listings a sponsor owns, the media they added, documents they
/// own or were shared, signatures asked of them. Share-link hashes are left out.
/// `PropertiesPersonalDataTests` holds this list to the schemas. Account deletion keeps listings,
/// media, documents and signatures others rely on under the request's anonymous id; signatures
/// lose the signer's name, IP and device (kept as the E-SIGN Act, 15 U.S.C. § 7001(d), asks).
enum PropertiesPersonalData {
    static let tables: [PersonalDataTable] = [
        PersonalDataTable("properties.developer_profiles", "user_id"),
        PersonalDataTable("properties.properties", "sponsor_id", erasure: .anonymise(clearing: [])),
        PersonalDataTable("media.property_photos", "uploaded_by", erasure: .anonymise(clearing: [])),
        PersonalDataTable("media.property_videos", "created_by", erasure: .anonymise(clearing: [])),
        PersonalDataTable("media.virtual_tours", "created_by", erasure: .anonymise(clearing: [])),
        PersonalDataTable("media.document_shares", "shared_by", "shared_with", omitting: ["token_hash"]),
        PersonalDataTable("media.documents", "owner_id", erasure: .anonymise(clearing: [])),
        PersonalDataTable(
            "media.signatures", "signer_id", "requested_by",
            erasure: .anonymise(clearing: ["typed_name", "signature_data", "ip_address", "user_agent", "verification_data"])),
        PersonalDataTable("media.signed_copies", "signer_id", "sponsor_id", erasure: .anonymise(clearing: [])),
    ]
}

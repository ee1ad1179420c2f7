import ServiceKit

/// properties' tables that hold rows about a user, for the data export (`PersonalDataTable`): the
/// developer profile and OZ check, listings a sponsor owns, the media they added, documents they
/// own or were shared, signatures asked of them. Share-link hashes are left out.
/// `PropertiesPersonalDataTests` holds this list to the schemas.
enum PropertiesPersonalData {
    static let tables: [PersonalDataTable] = [
        PersonalDataTable("properties.developer_profiles", "user_id"),
        PersonalDataTable("properties.properties", "sponsor_id"),
        PersonalDataTable("media.property_photos", "uploaded_by"),
        PersonalDataTable("media.property_videos", "created_by"),
        PersonalDataTable("media.virtual_tours", "created_by"),
        PersonalDataTable("media.documents", "owner_id"),
        PersonalDataTable("media.document_shares", "shared_by", "shared_with", omitting: ["token_hash"]),
        PersonalDataTable("media.signatures", "signer_id", "requested_by"),
        PersonalDataTable("media.signed_copies", "signer_id", "sponsor_id"),
    ]
}

/// What kind of real estate a listing is (properties' `property_type` CHECK in
/// 0003_properties.sql), shared so that an investor's stated interests (auth's profiles) and the
/// listings themselves use one vocabulary.
public enum PropertyType: String, Codable, Sendable, CaseIterable {
    case multiFamily = "multi_family"
    case apartmentComplex = "apartment_complex"
    case mixedUse = "mixed_use"
    case singleFamily = "single_family"
    case townhome
    case studentHousing = "student_housing"
    case seniorLiving = "senior_living"
    case commercial
    case industrial
    case land
}

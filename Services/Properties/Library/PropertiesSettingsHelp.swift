import ServiceKit

extension PropertiesEntryPoint {
    public static var settingsHelp: String {
        """
          CENSUS_GEOCODER_URL         US Census Geocoder for checks by address
                                      (https://geocoding.geo.census.gov/geocoder)
          RATE_LIMIT_OZ_CHECK_PER_MIN_PER_IP  public OZ checks per client IP (30)
          MEDIA_STORAGE               filesystem | s3 (filesystem)
          MEDIA_STORAGE_PATH          filesystem backend's folder (.data/media)
          MEDIA_MAX_UPLOAD_BYTES      largest upload (26214400)
          MEDIA_SIGNED_URL_SECONDS    presigned download URL lifetime (300)
          S3_ENDPOINT                 S3-compatible endpoint, path-style (for s3)
          S3_REGION                   SigV4 signing region (us-east-1)
          S3_BUCKET                   bucket (for s3)
          S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY  credentials (for s3)
        """
    }
}

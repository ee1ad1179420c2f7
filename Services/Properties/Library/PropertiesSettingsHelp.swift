import ServiceKit

/// What `PropertiesSettings.fromEnvironment` reads; README "Configuration" says more.
extension PropertiesEntryPoint {
    public static var settingsHelp: String {
        """
          CENSUS_GEOCODER_URL         the Census Geocoder, for OZ checks by address
                                      (https://geocoding.geo.census.gov/geocoder)
          RATE_LIMIT_OZ_CHECK_PER_MIN_PER_IP
                                      public OZ checks per client address (30)
          MEDIA_STORAGE               where uploads are kept: filesystem or s3
                                      (filesystem)
          MEDIA_STORAGE_PATH          the filesystem backend's folder (.data/media)
          MEDIA_MAX_UPLOAD_BYTES      largest upload; 413 past it (26214400)
          MEDIA_SIGNED_URL_SECONDS    presigned download URLs' lifetime, s3 (300)
          MEDIA_TOUR_HOSTS            hosts a virtual tour's https tour_url may use,
                                      comma-separated (my.matterport.com, kuula.co,
                                      app.cloudpano.com, momento360.com,
                                      www.zillow.com, www.eyespy360.com,
                                      www.youtube.com, player.vimeo.com)
          S3_ENDPOINT                 S3-compatible endpoint, path-style, SigV4
                                      (required with s3), e.g.
                                      https://s3.us-east-1.amazonaws.com
          S3_REGION                   signing region (us-east-1)
          S3_BUCKET                   bucket, created at start-up when missing
                                      (required with s3)
          S3_ACCESS_KEY_ID            access key id (required with s3)
          S3_SECRET_ACCESS_KEY        secret access key (required with s3)
          S3_SESSION_TOKEN            token of temporary credentials (unset)
          S3_TIMEOUT_SECONDS          bound on one S3 call, upload included (30)
        """
    }
}

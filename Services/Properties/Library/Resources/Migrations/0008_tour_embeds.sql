-- Issue 11 #11: `embed_code` was up to 10 KB of a sponsor's HTML, served as it was to anonymous
-- readers. A tour is now located by its https `tour_url` (on a host MEDIA_TOUR_HOSTS allows,
-- checked when it is written) or by its Matterport model id, and `media.tour_embed` builds the
-- iframe from that. Rows written before keep what they had: an embed's iframe src becomes the
-- tour_url of a row that has none, and the HTML itself stays in `legacy_embed_code`, which no
-- answer includes (the row's location check still counts it, so old rows stay valid).

UPDATE media.virtual_tours t
SET tour_url = e.src
FROM (
    SELECT id, substring(embed_code FROM '<iframe[^>]*[[:space:]]src="(https://[^"<>[:space:]]+)"') AS src
    FROM media.virtual_tours WHERE tour_url IS NULL AND embed_code IS NOT NULL
) e
WHERE t.id = e.id AND length(e.src) <= 500;

ALTER TABLE media.virtual_tours RENAME COLUMN embed_code TO legacy_embed_code;

-- HTML-attribute escaping, in the one place markup is made.
CREATE FUNCTION media.tour_embed(t media.virtual_tours) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT '<iframe src="'
        || replace(replace(replace(replace(replace(u.url, '&', '&amp;'), '"', '&quot;'), '''', '&#39;'), '<', '&lt;'), '>', '&gt;')
        || '" width="100%" height="480" style="border:0" loading="lazy" referrerpolicy="no-referrer"'
        || ' allow="fullscreen; xr-spatial-tracking" allowfullscreen></iframe>'
    FROM (SELECT CASE
        WHEN t.tour_url ~ '^https://' THEN t.tour_url
        WHEN t.matterport_id ~ '^[A-Za-z0-9]+$' THEN 'https://my.matterport.com/show/?m=' || t.matterport_id
    END AS url) u
    WHERE u.url IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION media.tour_document(t media.virtual_tours) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT (to_jsonb(t) - ARRAY['deleted_at', 'legacy_embed_code']) || jsonb_build_object(
        'embed_code', media.tour_embed(t),
        'created_at', media.utc(t.created_at),
        'updated_at', media.utc(t.updated_at)
    )
$$;

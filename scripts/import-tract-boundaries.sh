#!/usr/bin/env bash
# Loads 2010 census tract boundaries (Census TIGER/Line "tl_2010_<state>_tract10" shapefiles, zipped
# or not) into properties.tract_boundaries, so `POST /v1/oz/check` answers for lat/lng and new
# properties take their Opportunity Zone status from their point.
#
#   scripts/import-tract-boundaries.sh tl_2010_01_tract10.zip [more.zip|.shp ...]
#
# Connects as the properties role: DATABASE_URL (default: the local cluster's tract database).
# Shapes come in NAD83 (EPSG:4269) and are stored in WGS 84 (EPSG:4326) as MultiPolygons; a tract
# already loaded is replaced, so re-running an import is safe.
# Properties already saved keep their tract; edit their coordinates to have it found again.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

[ $# -ge 1 ] || die "usage: $0 SHAPEFILE.zip|SHAPEFILE.shp ..."
DATABASE_URL=${DATABASE_URL:-postgres://tract_properties:tract_properties_local@127.0.0.1:55432/tract}
SOURCE_SRID=${SOURCE_SRID:-4269}

command -v shp2pgsql >/dev/null || ensure_apt postgis
command -v unzip >/dev/null || ensure_apt unzip

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

shapefiles=()
for input in "$@"; do
    [ -f "$input" ] || die "no such file: $input"
    case "$input" in
        *.zip)
            dir="$work/$(basename "$input" .zip)"
            mkdir -p "$dir"
            unzip -q -o "$input" -d "$dir"
            while IFS= read -r shp; do shapefiles+=("$shp"); done < <(find "$dir" -name '*.shp' | sort)
            ;;
        *.shp) shapefiles+=("$input") ;;
        *) die "$input: expected a .zip or .shp" ;;
    esac
done
[ ${#shapefiles[@]} -gt 0 ] || die "no .shp files found in $*"

for shp in "${shapefiles[@]}"; do
    log "importing $(basename "$shp")"
    {
        echo "BEGIN;"
        echo "SET LOCAL client_min_messages = warning;"
        # A staging table in the properties schema (the role may create only there), shaped by
        # shp2pgsql from the file's own columns; -s FROM:TO reprojects, -D uses COPY.
        echo "DROP TABLE IF EXISTS properties.tract_import;"
        shp2pgsql -c -s "$SOURCE_SRID:4326" -g boundary -D "$shp" properties.tract_import 2>/dev/null \
            | grep -vE '^(BEGIN|COMMIT);$'
        cat <<'SQL'
INSERT INTO properties.tract_boundaries (tract_geoid, boundary)
SELECT geoid10, ST_Multi(ST_CollectionExtract(ST_MakeValid(boundary), 3)) FROM properties.tract_import
WHERE geoid10 ~ '^[0-9]{11}$'
ON CONFLICT (tract_geoid) DO UPDATE SET boundary = EXCLUDED.boundary;
DROP TABLE properties.tract_import;
SQL
        echo "COMMIT;"
    } | psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q >/dev/null
done
count=$(psql "$DATABASE_URL" -At -c "SELECT count(*) FROM properties.tract_boundaries")
log "properties.tract_boundaries now holds $count tracts"

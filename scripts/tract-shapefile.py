#!/usr/bin/env python3
"""Writes a TIGER/Line-shaped 2010 tract shapefile (tl_2010_*_tract10 columns, NAD83) holding
rectangles, for tests and demos of scripts/import-tract-boundaries.sh.

    tract-shapefile.py OUT_PREFIX GEOID:MIN_LNG,MIN_LAT,MAX_LNG,MAX_LAT [...]

Needs pyshp (in .data/venv, see scripts/requirements-validate.txt).
"""
import sys

import shapefile

NAD83_PRJ = (
    'GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137,298.257222101]],'
    'PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]'
)


def main(prefix, tracts):
    with shapefile.Writer(prefix, shapeType=shapefile.POLYGON) as shp:
        for name, size in (("STATEFP10", 2), ("COUNTYFP10", 3), ("TRACTCE10", 6), ("GEOID10", 11), ("NAME10", 7)):
            shp.field(name, "C", size=size)
        for spec in tracts:
            geoid, box = spec.split(":")
            min_lng, min_lat, max_lng, max_lat = (float(v) for v in box.split(","))
            # Outer rings run clockwise in shapefiles.
            shp.poly([[(min_lng, min_lat), (min_lng, max_lat), (max_lng, max_lat), (max_lng, min_lat), (min_lng, min_lat)]])
            shp.record(geoid[:2], geoid[2:5], geoid[5:], geoid, str(int(geoid[5:]) / 100))
    with open(prefix + ".prj", "w") as prj:
        prj.write(NAD83_PRJ)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])

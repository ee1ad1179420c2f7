#!/usr/bin/env python3
"""Demo photos for `make run` (scripts/demo-data.sh): one generated PNG per demo listing, written
where the filesystem media backend keeps files (MEDIA_STORAGE_PATH, default .data/media) and
recorded in media.property_photos. Prints the SQL for psql on stdout. Standard library only (zlib
and struct write the PNG). Idempotent: fixed ids, files rewritten only when they differ,
INSERT ... ON CONFLICT DO NOTHING.

Usage: scripts/demo-photos.py [media root] | scripts/db.sh psql -X -q
"""
import hashlib
import os
import struct
import sys
import zlib

# The demo sponsor account (scripts/demo-investing.py accounts), who "uploaded" the photos.
SPONSOR = os.environ["DEMO_SPONSOR_ID"]
# (listing id, photo id, sky colour, building colour, floors, caption)
LISTINGS = [
    ("01900000-0000-7000-8000-000000000001", "01900000-0000-7000-8000-000000000101", (135, 190, 235), (176, 96, 72), 3, "Magnolia Court from Main St"),
    ("01900000-0000-7000-8000-000000000002", "01900000-0000-7000-8000-000000000102", (250, 196, 140), (90, 110, 140), 6, "Bay Minette Commons at dusk"),
    ("01900000-0000-7000-8000-000000000003", "01900000-0000-7000-8000-000000000103", (120, 170, 220), (150, 70, 60), 5, "Riverside Lofts on the riverfront"),
    ("01900000-0000-7000-8000-000000000004", "01900000-0000-7000-8000-000000000104", (200, 210, 225), (120, 120, 110), 2, "Oak Hollow garden buildings"),
]
WIDTH, HEIGHT = 640, 400


def picture(sky, building, floors):
    """A sky gradient, a lawn and a building with a grid of lit windows, as RGB rows."""
    rows = []
    ground = int(HEIGHT * 0.78)
    top = ground - floors * 42
    left, right = 150, 490
    for y in range(HEIGHT):
        row = bytearray([0])  # PNG filter type: none
        for x in range(WIDTH):
            if y >= ground:
                pixel = (70, 130 - (y - ground) // 4, 60)
            elif left <= x < right and y >= top:
                in_window = (x - left) % 40 in range(12, 30) and (y - top) % 42 in range(10, 30)
                pixel = (250, 230, 150) if in_window else building
            else:
                shade = y * 60 // HEIGHT
                pixel = tuple(max(0, c - shade) for c in sky)
            row += bytes(pixel)
        rows.append(bytes(row))
    return b"".join(rows)


def png(raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MEDIA_STORAGE_PATH", ".data/media")
    print("\\set ON_ERROR_STOP on")
    for property_id, photo_id, sky, building, floors, caption in LISTINGS:
        data = png(picture(sky, building, floors))
        key = f"photos/{property_id}/{photo_id}"
        path = os.path.join(root, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.exists(path) or open(path, "rb").read() != data:
            with open(path + ".tmp", "wb") as handle:
                handle.write(data)
            os.replace(path + ".tmp", path)
        print(
            "INSERT INTO media.property_photos (id, property_id, file_name, storage_key, photo_type, category, caption, tags,"
            " width, height, file_size, mime_type, sha256, display_order, is_primary, uploaded_by)"
            f" SELECT {quote(photo_id)}, {quote(property_id)}, 'exterior.png', {quote(key)}, 'exterior', 'hero', {quote(caption)},"
            f" '{{demo}}', {WIDTH}, {HEIGHT}, {len(data)}, 'image/png', {quote(hashlib.sha256(data).hexdigest())}, 0,"
            f" NOT EXISTS (SELECT FROM media.property_photos WHERE property_id = {quote(property_id)} AND is_primary AND deleted_at IS NULL),"
            f" {quote(SPONSOR)}"
            f" WHERE EXISTS (SELECT FROM properties.properties WHERE id = {quote(property_id)})"
            " ON CONFLICT (id) DO NOTHING;"
        )


if __name__ == "__main__":
    main()

"""Compute which CBS wijken each 4-digit postcode (PC4) area overlaps.

Offline, one-off tool for `seed_data/reference/postcodes.csv` (see the README there).
Inputs (data only, copied from public repositories; both CBS, CC BY 4.0):

- PC4 polygons: `certe-medical-epidemiology/certegis`, `data/geo_postcodes4.rda`
  (commit 0438ae5a68dd758bf150529f78ff6cacad924e45), an R `sf` table made from CBS
  "cbs_pc4_2024_v1" (Amersfoort / RD New, EPSG:28992).
- Wijk polygons: `cartomap/nl`, `wgs84/wijk_2024.geojson`
  (commit 01e3b4cea860e7bb5dc3bddbfff72d3e4f4709e6), the generalised CBS/PDOK wijk map
  2024, transcribed per gemeente into JSON files `{statcode: polygon rings}`.

A PC4 is kept when the wijken given cover at least MIN_TOTAL of its area (so a PC4 of
a neighbouring gemeente that only touches the border is left out); it is then linked
to every wijk that covers at least MIN_SHARE of its area, and always to the wijk with
the largest overlap. The wijk map is strongly generalised
(coordinates rounded to 0.001 degree, few vertices), so the result is approximate
near wijk borders.

Usage (dev only; needs `pip install rdata shapely pyproj`):
    python tools/refdata/pc4_wijken.py geo_postcodes4.rda wijk_GM*.json > postcodes.csv
"""

from __future__ import annotations

import csv
import json
import sys
import warnings
from typing import Any

MIN_SHARE = 0.15
MIN_TOTAL = 0.5


def main(argv: list[str]) -> int:
    import rdata  # type: ignore[import-not-found]
    from pyproj import Transformer  # type: ignore[import-not-found]
    from shapely.geometry import MultiPolygon, Polygon  # type: ignore[import-not-found]
    from shapely.ops import transform  # type: ignore[import-not-found]

    warnings.filterwarnings("ignore")
    rda, wijk_files = argv[0], argv[1:]
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True).transform
    wijken: dict[str, Any] = {}
    for path in wijk_files:
        with open(path, encoding="utf-8") as fh:
            for code, rings in json.load(fh).items():
                poly = Polygon(rings[0], rings[1:]).buffer(0)
                wijken[code] = transform(to_rd, poly)
    frame = rdata.conversion.SimpleConverter().convert(rdata.parser.parse_file(rda))
    pc4 = frame["geo_postcodes4"]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["postcode", "place_code", "share"])
    for postcode, geometry in zip(pc4["postcode"], pc4["geometry"], strict=True):
        area = MultiPolygon([Polygon(rings[0], list(rings[1:])) for rings in geometry]).buffer(0)
        if area.is_empty:
            continue
        shares = []
        for code, wijk in wijken.items():
            if area.intersects(wijk):
                share = area.intersection(wijk).area / area.area
                if share > 0:
                    shares.append((share, code))
        if sum(share for share, _ in shares) < MIN_TOTAL:
            continue
        shares.sort(reverse=True)
        keep = [s for s in shares if s[0] >= MIN_SHARE] or shares[:1]
        for share, code in keep:
            out.writerow([f"{int(postcode):04d}", code, f"{share:.2f}"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

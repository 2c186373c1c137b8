"""Run by tests/notebooks/test_notebooks.py with a pyspark from PyPI (not the venv's Python
path): lays out a small synthetic Gaia DR3 and 2MASS at the catalogue's mount paths under a
root, then runs every %pyspark paragraph of each note, in order, as Zeppelin's PySpark
interpreter does (one namespace per note with `spark`, `sc` and `z`), and writes what the
notes computed as JSON.

    python run_notes.py DATA_ROOT NOTES_DIR RESULT_JSON
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

#: Planted in the synthetic sky (the tests assert the notes find them).
CLUSTER = {"ra": 56.75, "dec": 24.12, "pmra": 19.997, "pmdec": -45.548, "parallax": 7.364}
MEMBERS, FIELD, COUNTERPARTS, LONE_TMASS = 300, 8000, 1000, 300
MEMBER_ID0, FIELD_ID0 = 4_000_000_000_000_000, 1_000_000_000_000_000


class ZeppelinContext:
    """The part of Zeppelin's `z` the notes use: z.show(df) displays a table; here the row
    count is kept."""

    def __init__(self) -> None:
        self.shown: list[int] = []

    def show(self, frame: object, **_: object) -> None:
        self.shown.append(frame.count())  # type: ignore[attr-defined]


def gaia_source(spark: SparkSession):  # type: ignore[no-untyped-def]
    """gaia_source rows with the Gaia archive's DR3 column names and types (gaiadr3.gaia_source:
    source_id long, ra/dec/parallax/pmra/pmdec double, errors, magnitudes, bp_rp and ruwe
    float): a field of stars in a 10-degree square and an open cluster planted in it, whose
    members lie on a main sequence M_G = 4.2 (BP-RP) + 0.5."""
    rand = lambda seed: F.rand(seed)  # noqa: E731
    gauss = lambda seed: F.randn(seed)  # noqa: E731
    field = (spark.range(FIELD).select(
        (F.col("id") + FIELD_ID0).alias("source_id"),
        (CLUSTER["ra"] - 5 + 10 * rand(1)).alias("ra"),
        (CLUSTER["dec"] - 5 + 10 * rand(2)).alias("dec"),
        (0.2 + 4.8 * rand(3)).alias("parallax"),
        (10 * gauss(4)).alias("pmra"),
        (10 * gauss(5)).alias("pmdec"),
        (12 + 8 * rand(6)).cast("float").alias("phot_g_mean_mag"),
        (0.2 + 2.8 * rand(7)).cast("float").alias("bp_rp")))
    members = (spark.range(MEMBERS).select(
        (F.col("id") + MEMBER_ID0).alias("source_id"),
        (CLUSTER["ra"] + 1.2 * gauss(11) / F.cos(F.radians(F.lit(CLUSTER["dec"])))).alias("ra"),
        (CLUSTER["dec"] + 1.2 * gauss(12) * 0.5).alias("dec"),
        (CLUSTER["parallax"] + 0.15 * gauss(13)).alias("parallax"),
        (CLUSTER["pmra"] + 0.4 * gauss(14)).alias("pmra"),
        (CLUSTER["pmdec"] + 0.4 * gauss(15)).alias("pmdec"),
        (0.3 + 2.0 * rand(16)).cast("float").alias("bp_rp"))
        .withColumn("phot_g_mean_mag", (4.2 * F.col("bp_rp") + 0.5 + 5 * F.log10(
            1000 / F.lit(CLUSTER["parallax"])) - 5).cast("float")))
    stars = field.unionByName(members)
    return (stars
            .withColumn("solution_id", F.lit(4_295_806_720).cast("long"))
            .withColumn("parallax_error", (0.02 + 0.1 * rand(21)).cast("float"))
            .withColumn("parallax_over_error",
                        (F.col("parallax") / F.col("parallax_error")).cast("float"))
            .withColumn("pmra_error", (0.02 + 0.1 * rand(22)).cast("float"))
            .withColumn("pmdec_error", (0.02 + 0.1 * rand(23)).cast("float"))
            .withColumn("ruwe", (0.8 + 0.8 * rand(24)).cast("float"))
            .withColumn("phot_bp_mean_mag",
                        (F.col("phot_g_mean_mag") + 0.4 * F.col("bp_rp")).cast("float"))
            .withColumn("phot_rp_mean_mag",
                        (F.col("phot_bp_mean_mag") - F.col("bp_rp")).cast("float"))
            .select("solution_id", "source_id", "ra", "dec", "parallax", "parallax_error",
                    "parallax_over_error", "pmra", "pmra_error", "pmdec", "pmdec_error",
                    "ruwe", "phot_g_mean_mag", "phot_bp_mean_mag", "phot_rp_mean_mag", "bp_rp"))


def twomass(spark: SparkSession, gaia):  # type: ignore[no-untyped-def]
    """2MASS point sources with the Gaia archive's column names (gaiadr1.tmass_original_valid:
    tmass_oid long, designation string, ra/dec double, j_m/h_m/ks_m float): a counterpart
    within 0.5 arcsec of each of the first COUNTERPARTS Gaia field stars (tmass_oid = Gaia
    source_id minus FIELD_ID0, so the test knows the pairs), and sources with no Gaia star
    within 20 arcsec."""
    offset = 0.5 / 3600
    counterparts = (gaia.where(F.col("source_id") < FIELD_ID0 + COUNTERPARTS).select(
        (F.col("source_id") - FIELD_ID0).alias("tmass_oid"),
        (F.col("ra") + offset * (2 * F.rand(31) - 1) / 1.5
         / F.cos(F.radians(F.col("dec")))).alias("ra"),
        (F.col("dec") + offset * (2 * F.rand(32) - 1) / 1.5).alias("dec")))
    lone = spark.range(LONE_TMASS).select(
        (F.col("id") + 10_000_000).alias("tmass_oid"),
        (120 + 10 * F.rand(33)).alias("ra"), (-40 + 10 * F.rand(34)).alias("dec"))
    return (counterparts.unionByName(lone)
            .withColumn("designation", F.format_string("%016d", F.col("tmass_oid")))
            .withColumn("j_m", (10 + 5 * F.rand(35)).cast("float"))
            .withColumn("h_m", (F.col("j_m") - 0.3).cast("float"))
            .withColumn("ks_m", (F.col("j_m") - 0.4).cast("float")))


def run_note(path: Path, spark: SparkSession) -> dict[str, object]:
    note = json.loads(path.read_text())
    z = ZeppelinContext()
    namespace: dict[str, object] = {"spark": spark, "sc": spark.sparkContext, "z": z}
    for paragraph in note["paragraphs"]:
        text = paragraph["text"]
        magic, _, code = text.partition("\n")
        if magic.strip() == "%md":
            continue
        assert magic.strip() == "%pyspark", f"{path.name}: unexpected paragraph {magic!r}"
        exec(compile(code, f"{path.name}:{paragraph['id']}", "exec"), namespace)
    return {"namespace": namespace, "shown": z.shown, "name": note["name"]}


def main() -> None:
    root, notes_dir, result = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    spark = (SparkSession.builder.master("local[2]").appName("gaia-notes")
             .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
             .getOrCreate())
    gaia = gaia_source(spark)
    gaia.repartition(4).write.mode("overwrite").parquet(
        str(root / "data/gaia/GDR3/GDR3_GAIASOURCE"))
    gaia = spark.read.parquet(str(root / "data/gaia/GDR3/GDR3_GAIASOURCE"))
    twomass(spark, gaia).repartition(2).write.mode("overwrite").parquet(
        str(root / "data/twomass/2MASSPSC/TMASS_PSC"))
    os.environ["GAIA_DATA_ROOT"] = str(root)
    out: dict[str, object] = {"schema": {f.name: f.dataType.simpleString()
                                         for f in gaia.schema.fields}}
    for path in sorted(notes_dir.glob("*.zpln")):
        ran = run_note(path, spark)
        ns = ran["namespace"]
        assert isinstance(ns, dict)
        entry: dict[str, object] = {"shown": ran["shown"]}
        if "hr" in ns:
            good = ns["good"]
            entry["hr_total"] = ns["hr"].agg(F.sum("count")).first()[0]
            entry["good"] = good.count()
            entry["expected_good"] = gaia.where("parallax_over_error > 10 AND ruwe < 1.4").count()
            residual = good.where(F.col("source_id") >= MEMBER_ID0).select(
                F.max(F.abs(F.col("abs_g") - (4.2 * F.col("bp_rp") + 0.5))))
            entry["member_abs_g_max_residual"] = residual.first()[0]
        if "members" in ns:
            ids = [row[0] for row in ns["members"].select("source_id").collect()]
            entry["members"] = len(ids)
            entry["planted_found"] = sum(1 for i in ids if i >= MEMBER_ID0)
            entry["planted"] = MEMBERS
        if "matches" in ns:
            rows = ns["matches"].select("source_id", "tmass_oid", "separation_arcsec").collect()
            entry["matches"] = len(rows)
            entry["correct_pairs"] = sum(1 for r in rows if r[0] - FIELD_ID0 == r[1])
            entry["max_separation"] = max(r[2] for r in rows) if rows else None
            entry["counterparts"] = COUNTERPARTS
        out[str(ran["name"])] = entry
    result.write_text(json.dumps(out, indent=1))
    spark.stop()


if __name__ == "__main__":
    main()

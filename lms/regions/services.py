"""Load and look up the reference data shipped in ``lms/regions/data``."""
from __future__ import annotations

import csv
from importlib import resources

import sqlalchemy as sa

from lms.extensions import db
from lms.regions.models import Desa, Jabatan, Kecamatan


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("lms.regions").joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def load_reference_data() -> dict[str, int]:
    """Insert or update kecamatan, desa/kelurahan and jabatan; return how many rows were added.

    Idempotent: running it again adds nothing and only corrects names that changed.
    """
    added = {"kecamatan": 0, "desa": 0, "jabatan": 0}
    kecamatan = {k.kode: k for k in db.session.scalars(sa.select(Kecamatan))}
    for row in _rows("badung_kecamatan.csv"):
        if row["kode"] in kecamatan:
            kecamatan[row["kode"]].nama = row["nama"]
        else:
            kecamatan[row["kode"]] = Kecamatan(kode=row["kode"], nama=row["nama"])
            db.session.add(kecamatan[row["kode"]])
            added["kecamatan"] += 1
    db.session.flush()
    desa = {d.kode: d for d in db.session.scalars(sa.select(Desa))}
    for row in _rows("badung_wilayah.csv"):
        kec_kode = row["kode"][:8]
        values = {"nama": row["nama"], "jenis": row["jenis"], "kecamatan_kode": kec_kode}
        if row["kode"] in desa:
            for key, value in values.items():
                setattr(desa[row["kode"]], key, value)
        else:
            db.session.add(Desa(kode=row["kode"], **values))
            added["desa"] += 1
    jabatan = {j.kode: j for j in db.session.scalars(sa.select(Jabatan))}
    for row in _rows("jabatan.csv"):
        if row["kode"] in jabatan:
            jabatan[row["kode"]].nama = row["nama"]
            jabatan[row["kode"]].berlaku_untuk = row["berlaku_untuk"]
        else:
            db.session.add(Jabatan(kode=row["kode"], nama=row["nama"], berlaku_untuk=row["berlaku_untuk"]))
            added["jabatan"] += 1
    db.session.flush()
    return added


def get_desa(kode: str | None) -> Desa | None:
    return db.session.get(Desa, kode) if kode else None


def get_jabatan(kode: str | None) -> Jabatan | None:
    return db.session.get(Jabatan, kode) if kode else None


def list_desa() -> list[Desa]:
    return list(db.session.scalars(sa.select(Desa).order_by(Desa.kecamatan_kode, Desa.nama)))


def list_jabatan() -> list[Jabatan]:
    return list(db.session.scalars(sa.select(Jabatan).order_by(Jabatan.nama)))

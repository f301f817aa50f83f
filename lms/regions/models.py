"""Regions by Kemendagri code, and the positions (jabatan) of village staff."""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db


class Kecamatan(db.Model):
    __tablename__ = "kecamatan"

    kode: so.Mapped[str] = so.mapped_column(sa.String(8), primary_key=True)  # 51.03.02
    nama: so.Mapped[str] = so.mapped_column(sa.String(100))

    desa: so.Mapped[list[Desa]] = so.relationship(back_populates="kecamatan", order_by="Desa.nama")


class Desa(db.Model):
    """A desa or kelurahan."""

    __tablename__ = "desa"

    kode: so.Mapped[str] = so.mapped_column(sa.String(13), primary_key=True)  # 51.03.02.2001
    kecamatan_kode: so.Mapped[str] = so.mapped_column(sa.ForeignKey("kecamatan.kode"), index=True)
    nama: so.Mapped[str] = so.mapped_column(sa.String(100))
    jenis: so.Mapped[str] = so.mapped_column(sa.String(10))  # desa | kelurahan

    kecamatan: so.Mapped[Kecamatan] = so.relationship(back_populates="desa")

    def as_dict(self) -> dict:
        return {"kode": self.kode, "nama": self.nama}


class Jabatan(db.Model):
    __tablename__ = "jabatan"

    kode: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    nama: so.Mapped[str] = so.mapped_column(sa.String(120))
    berlaku_untuk: so.Mapped[str] = so.mapped_column(sa.String(10))  # desa | kelurahan | keduanya

"""Reference data: Badung's kecamatan and desa/kelurahan (Kemendagri codes) and jabatan."""

"""Petitions and crime reports (issue 14): the register's deadlines, holidays and workflow, all as package data."""

# The taxonomy keys of what enters the petitions register (pipeline/data/doc-types.toml).
PETITION_TYPES = (
    "don_khieu_nai",
    "don_to_cao",
    "don_kien_nghi",
    "don_de_nghi",
    "to_giac_toi_pham",
    "tin_bao_toi_pham",
)

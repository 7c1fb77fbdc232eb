"""The map store's tables (SQLAlchemy Core): map rows with every RF2 column, refsets, provenance, titles."""

from __future__ import annotations

import sqlalchemy as sa


def metadata(schema: str | None) -> tuple[sa.MetaData, dict[str, sa.Table]]:
    md = sa.MetaData(schema=schema)
    t = {}
    t["rows"] = sa.Table(
        "map_rows",
        md,
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("effective_time", sa.Integer, nullable=False),
        sa.Column("active", sa.SmallInteger, nullable=False),
        sa.Column("module_id", sa.String(20), nullable=False),
        sa.Column("refset_id", sa.String(20), nullable=False),
        sa.Column("sctid", sa.String(20), nullable=False),
        sa.Column("map_group", sa.Integer, nullable=False),
        sa.Column("map_priority", sa.Integer, nullable=False),
        sa.Column("map_rule", sa.Text, nullable=False),
        sa.Column("map_advice", sa.Text, nullable=False),
        sa.Column("map_target", sa.String(32), nullable=False),
        sa.Column("correlation_id", sa.String(20), nullable=False),
        sa.Column("map_block", sa.Integer, nullable=False),
        sa.Column("map_category_id", sa.String(20), nullable=True),
        sa.Column("variant", sa.String(16), nullable=False),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", "refset_id"),
        sa.Index("ix_map_rows_sctid", "sctid", "refset_id"),
    )
    t["refsets"] = sa.Table(
        "map_refsets",
        md,
        sa.Column("refset_id", sa.String(20), primary_key=True),
        sa.Column("system", sa.String(40), nullable=True),  # NULL: not in mappings/refsets.json
        sa.Column("version", sa.String(40), nullable=True),
        sa.Column("known", sa.Boolean, nullable=False),
        sa.Column("selected", sa.Boolean, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("concepts", sa.Integer, nullable=False),
        sa.Column("files", sa.Text, nullable=False),
    )
    t["provenance"] = sa.Table(
        "map_provenance",
        md,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),  # JSON
    )
    t["titles"] = sa.Table(
        "code_titles",
        md,
        sa.Column("system", sa.String(40), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("system", "code"),
    )
    return md, t

"""The workflow store's tables (SQLAlchemy Core), portable between SQLite and PostgreSQL.

Times are ISO-8601 strings (so audit hashes never depend on a driver's datetime rendering); dates
are ``Date`` columns. District units store ``school_code = ''`` so (event, district, school) is unique.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("applied_at", sa.String, nullable=False),
)

districts = sa.Table(
    "districts",
    metadata,
    sa.Column("number", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
)

schools = sa.Table(
    "schools",
    metadata,
    sa.Column("code", sa.String, primary_key=True),
    sa.Column("district_number", sa.String, sa.ForeignKey("districts.number"), nullable=False),
    sa.Column("name", sa.String, nullable=False),
)

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("level", sa.String, nullable=False),
    sa.Column("district_number", sa.String, sa.ForeignKey("districts.number"), nullable=True),
    sa.Column("school_code", sa.String, sa.ForeignKey("schools.code"), nullable=True),
    sa.Column("rights", sa.String, nullable=False, default=""),  # comma list of read,write,add,delete
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("category_id", sa.String, sa.ForeignKey("categories.id"), nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("is_primary", sa.Boolean, nullable=False, default=False),
    sa.Column("schools", sa.String, nullable=False, default="[]"),  # JSON list; [] = whole district
    sa.UniqueConstraint("user_id", "category_id", name="uq_membership_user_category"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("reporting_year", sa.Integer, nullable=False),
    sa.Column("category_id", sa.String, sa.ForeignKey("categories.id"), nullable=False),
    sa.Column("level", sa.String, nullable=False),
    sa.Column("groups", sa.String, nullable=False, default="[]"),  # JSON list of validation group names
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("certification_opens", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("districts", sa.String, nullable=False, default="[]"),  # JSON list; [] = all districts
    sa.Column("draft", sa.String, nullable=True),  # JSON of unpublished edits to a published event
    sa.Column("created_by", sa.String, nullable=True),
    sa.Column("created_at", sa.String, nullable=True),
)

units = sa.Table(
    "units",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False),
    sa.Column("district_number", sa.String, sa.ForeignKey("districts.number"), nullable=False),
    sa.Column("school_code", sa.String, nullable=False, default=""),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("round", sa.Integer, nullable=False, default=1),
    sa.Column("status_before_request", sa.String, nullable=True),
    sa.Column("requested_by", sa.String, nullable=True),
    sa.Column("data_generation", sa.Integer, nullable=False, default=0, server_default="0"),  # v2: resyncs so far
    sa.UniqueConstraint("event_id", "district_number", "school_code", name="uq_unit"),
)

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("user_id", sa.String, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("at", sa.String, nullable=False),
    sa.Column("snapshot_sha256", sa.String, nullable=True),
    sa.UniqueConstraint("unit_id", "round", "user_id", name="uq_submission"),
)

progress = sa.Table(
    "progress",
    metadata,
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), primary_key=True),
    sa.Column("user_id", sa.String, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("round", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("step", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("fatal_seen", sa.Boolean, nullable=False, default=False),
    sa.Column("error_seen", sa.Boolean, nullable=False, default=False),
    sa.Column("warnings", sa.Integer, nullable=False, default=0),
    sa.Column("warnings_acknowledged", sa.Boolean, nullable=False, default=False),
    sa.Column("snapshot_sha256", sa.String, nullable=True),
    sa.Column("updated_at", sa.String, nullable=True),
    sa.Column("evidence_id", sa.Integer, nullable=True),  # v2: the run that backs the step
    sa.Column("data_generation", sa.Integer, nullable=True),  # v2: the unit's data generation that run read
)

# v2: the validation runs a step may cite, and the registry of snapshot versions (see store/evidence.py)
evidence = sa.Table(
    "evidence",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("user_id", sa.String, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("fatal_seen", sa.Boolean, nullable=False),
    sa.Column("error_seen", sa.Boolean, nullable=False),
    sa.Column("warnings", sa.Integer, nullable=False),
    sa.Column("snapshot_sha256", sa.String, nullable=True),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("at", sa.String, nullable=False),
    sa.Column("data_generation", sa.Integer, nullable=False),
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sha256", sa.String, nullable=False),
    sa.Column("taken_by", sa.String, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("taken_at", sa.String, nullable=False),
    sa.Column("data_generation", sa.Integer, nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # 1, 2, 3... (chain order)
    sa.Column("at", sa.String, nullable=False),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("event_id", sa.Integer, nullable=True),
    sa.Column("unit_id", sa.Integer, nullable=True),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("from_status", sa.String, nullable=True),
    sa.Column("to_status", sa.String, nullable=True),
    sa.Column("reason", sa.String, nullable=True),
    sa.Column("details", sa.String, nullable=False, default="{}"),
    sa.Column("snapshot_sha256", sa.String, nullable=True),
    sa.Column("prev_hash", sa.String, nullable=False),
    sa.Column("hash", sa.String, nullable=False),
)

audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("hash", sa.String, nullable=False),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("process", sa.String, nullable=False),
    sa.Column("text", sa.String, nullable=False),
    sa.Column("posted_at", sa.String, nullable=False),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("required", sa.Boolean, nullable=False, default=False),
    sa.Column("is_read", sa.Boolean, nullable=False, default=False),
    sa.Column("event_id", sa.Integer, nullable=True),
    sa.Column("unit_id", sa.Integer, nullable=True),
    sa.Column("dedupe_key", sa.String, nullable=True, unique=True),
)

sa.Index("ix_units_event", units.c.event_id)
sa.Index("ix_submissions_unit_round", submissions.c.unit_id, submissions.c.round)
sa.Index("ix_alerts_user", alerts.c.user_id)
sa.Index("ix_evidence_unit", evidence.c.unit_id, evidence.c.round)
sa.Index("ix_memberships_category", memberships.c.category_id)

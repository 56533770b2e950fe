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
    sa.Column("due_date", sa.Date, nullable=True),  # v6: the unit's own due date (late recertification)
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
    sa.Column("mac", sa.String, nullable=True),  # v3: <key id>:HMAC-SHA256(audit key, hash), None when unkeyed
    sa.Column("recorded_at", sa.String, nullable=True),  # v3: real UTC time of the write
    sa.Column("clock", sa.String, nullable=True),  # v3: "real" or "supplied" (where `at` came from)
    sa.Column("via", sa.String, nullable=True),  # v3: who asserted the actor when not an app sign-in (CLI --as)
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

# v3 (issue 18): run history. Every validation run of a unit with every rule's count (zeros included)
# and the record keys of the findings it listed, so trends and new / still there / fixed are facts.
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("user_id", sa.String, nullable=True),  # who ran it (None: the system)
    sa.Column("step", sa.Integer, nullable=True),  # the wizard step it backs, if any
    sa.Column("copy", sa.String, nullable=False),  # "district" or "state" (snapshots are of the state copy)
    sa.Column("scope", sa.String, nullable=False),  # JSON {"district": ..., "school": ...}
    sa.Column("source", sa.String, nullable=False),
    sa.Column("data_generation", sa.Integer, nullable=False),
    sa.Column("at", sa.String, nullable=False),  # the workflow clock
    sa.Column("evidence_id", sa.Integer, nullable=True),
    sa.Column("snapshot_sha256", sa.String, nullable=True),
)

run_rules = sa.Table(
    "run_rules",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True, autoincrement=False),
    sa.Column("rule_id", sa.String, primary_key=True),
    sa.Column("severity", sa.String, nullable=False),
    sa.Column("status", sa.String, nullable=False),  # passed / failed / error
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("listed", sa.Integer, nullable=False),  # record keys kept (count when not truncated)
    sa.Column("excepted", sa.Integer, nullable=False, default=0, server_default="0"),
)

run_findings = sa.Table(
    "run_findings",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True, autoincrement=False),
    sa.Column("rule_id", sa.String, primary_key=True),
    sa.Column("record_key", sa.String, primary_key=True),
)

# v3: notes on a finding (rule + record key) or a rule of a unit's report, and exception requests
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("rule_id", sa.String, nullable=False),
    sa.Column("record_key", sa.String, nullable=True),  # None: a note on the rule
    sa.Column("text", sa.String, nullable=False),
    sa.Column("author", sa.String, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("at", sa.String, nullable=False),
)

rule_exceptions = sa.Table(
    "rule_exceptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("rule_id", sa.String, nullable=False),
    sa.Column("severity", sa.String, nullable=False),
    sa.Column("record_key", sa.String, nullable=True),  # None: the whole rule (never for a fatal rule)
    sa.Column("status", sa.String, nullable=False),  # requested / approved / rejected
    sa.Column("requested_by", sa.String, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("requested_at", sa.String, nullable=False),
    sa.Column("request_reason", sa.String, nullable=False),
    sa.Column("decided_by", sa.String, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("decided_at", sa.String, nullable=True),
    sa.Column("decision_reason", sa.String, nullable=True),
    sa.Column("expires_on", sa.Date, nullable=True),
)

# v3: what a certifier attested to when submitting (one per submission)
attestations = sa.Table(
    "attestations",
    metadata,
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), primary_key=True, autoincrement=False),
    sa.Column("round", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.String, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("statement", sa.String, nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("title", sa.String, nullable=False),
    sa.Column("at", sa.String, nullable=False),
)

# v4 (issue 18): email notifications — per-user address and choices, and the outbox the worker sends
notification_prefs = sa.Table(
    "notification_prefs",
    metadata,
    sa.Column("user_id", sa.String, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("email", sa.String, nullable=True),
    sa.Column("digest", sa.Boolean, nullable=False, default=False),  # one email a day instead of one per alert
    sa.Column("opt_out", sa.Boolean, nullable=False, default=False),
    sa.Column("mailed_through", sa.Integer, nullable=False, default=0),  # last alert id queued for this user
    sa.Column("updated_at", sa.String, nullable=False),
)

email_outbox = sa.Table(
    "email_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("to_addr", sa.String, nullable=False),
    sa.Column("subject", sa.String, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("alert_ids", sa.String, nullable=False),  # JSON list of the alerts it carries
    sa.Column("digest_day", sa.Date, nullable=True),
    sa.Column("status", sa.String, nullable=False),  # pending / sent / failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.String, nullable=False),
    sa.Column("last_error", sa.String, nullable=True),
    sa.Column("created_at", sa.String, nullable=False),
    sa.Column("sent_at", sa.String, nullable=True),
    sa.UniqueConstraint("user_id", "digest_day", name="uq_outbox_digest"),
)

sa.Index("ix_units_event", units.c.event_id)
sa.Index("ix_submissions_unit_round", submissions.c.unit_id, submissions.c.round)
sa.Index("ix_alerts_user", alerts.c.user_id)
sa.Index("ix_evidence_unit", evidence.c.unit_id, evidence.c.round)
sa.Index("ix_memberships_category", memberships.c.category_id)
sa.Index("ix_runs_unit", runs.c.unit_id, runs.c.copy, runs.c.id)
sa.Index("ix_notes_unit", notes.c.unit_id)
sa.Index("ix_rule_exceptions_unit", rule_exceptions.c.unit_id, rule_exceptions.c.rule_id)

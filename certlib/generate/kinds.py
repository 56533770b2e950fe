"""The planted-defect kinds of docs/contracts.md: rule id, table and key columns of each."""

from __future__ import annotations

from typing import NamedTuple


class Kind(NamedTuple):
    rule_id: str
    table: str
    key_columns: tuple[str, ...]


KINDS: dict[str, Kind] = {
    "days_present_gt_enrolled": Kind("EOY-001", "attendance_summary", ("enrollment_id",)),
    "overlapping_enrollments": Kind("ENR-002", "enrollments", ("enrollment_id",)),
    "attendance_on_non_instructional_day": Kind("ATT-003", "attendance_daily", ("enrollment_id", "attendance_date")),
    "enrollment_outside_calendar": Kind("ENR-004", "enrollments", ("enrollment_id",)),
    "grade_outside_span": Kind("ENR-005", "enrollments", ("enrollment_id",)),
    "invalid_state_id": Kind("STU-001", "students", ("district_number", "local_student_id")),
    "duplicate_enrollment": Kind("ENR-006", "enrollments", ("enrollment_id",)),
    "exit_without_exit_code": Kind("ENR-007", "enrollments", ("enrollment_id",)),
    "iep_annual_review_overdue": Kind("SPED-001", "special_ed", ("iep_id",)),
    "plan504_without_active_enrollment": Kind("504-001", "plans_504", ("plan_id",)),
    "sped_setting_invalid_for_age": Kind("SPED-002", "special_ed", ("iep_id",)),
    "incident_without_resolution": Kind("BEH-001", "behavior_incidents", ("incident_id",)),
    "tardy_minutes_out_of_range": Kind("ATT-004", "attendance_daily", ("enrollment_id", "attendance_date")),
    "duplicate_attendance": Kind("ATT-005", "attendance_daily", ("enrollment_id", "attendance_date")),
}

# Kinds planted on students reserved for them (one enrollment, no programs, nothing else planted).
POOL_KINDS = (
    "overlapping_enrollments",
    "enrollment_outside_calendar",
    "grade_outside_span",
    "days_present_gt_enrolled",
    "attendance_on_non_instructional_day",
    "tardy_minutes_out_of_range",
    "duplicate_attendance",
    "invalid_state_id",
    "iep_annual_review_overdue",
    "sped_setting_invalid_for_age",
    "plan504_without_active_enrollment",
)


def per_kind(students: int) -> int:
    """How many of each kind: two per 1,000 students, at least 2."""
    return max(2, round(students * 0.002))

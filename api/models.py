"""Response shapes, for the OpenAPI document and for clients.

Customer rows stay open dictionaries: customer_segments may gain columns
(return_probability and the like), and the API passes on whatever the mart
holds instead of hiding new columns until the API is changed too."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class RunInfo(BaseModel):
    run_id: str = Field(description="Run the answer was read from; 'unpublished' when not a published snapshot.")
    as_of_date: str | None = Field(description="As-of date of that run (YYYY-MM-DD).")
    source: str = Field(description="RFM_API_DATABASE, published_snapshot or project_database.")


class Health(BaseModel):
    status: str
    source: str
    snapshot: str = Field(description="File name of the database answered from.")
    run_id: str | None = None
    as_of_date: str | None = None
    published_at: str | None = None
    detail: str | None = None


class ActionPath(BaseModel):
    phase: str | None
    goal: str | None
    description: str | None
    channel: str | None
    trigger: str | None


class NextTransition(BaseModel):
    segment_if_no_order: str | None
    date: str | None
    days_until: int | None


class ThresholdValue(BaseModel):
    value: float | None
    unit: str | None
    set_by: str | None


class CustomerThresholds(BaseModel):
    inactivity_threshold_days: int | None = Field(
        description="This customer's own days without an order before inactive (the diagonal); empty when none applies.")
    in_force: dict[str, ThresholdValue] = Field(description="lifecycle_thresholds of the run, by name.")


class CustomerAnswer(RunInfo):
    customer: dict[str, Any] = Field(description="The customer's row of customer_segments, every column.")
    thresholds: CustomerThresholds
    action_path: ActionPath
    next_transition: NextTransition


class SegmentPage(RunInfo):
    segment: str
    limit: int
    customers: list[dict[str, Any]] = Field(description="Rows of customer_segments, ordered by customer_id.")
    next_cursor: str | None = Field(description="Pass as cursor for the next page; empty on the last page.")


class SegmentChange(BaseModel):
    period_end_date: str = Field(description="segment_changes.changed_on_date: the scored end the change was seen on "
                                             "(the as-of date for that day's own changes).")
    period_start_date: str | None
    customer_id: str
    previous_segment: str = Field(description="Lifecycle segment at the previous scored end; 'none' = not known.")
    lifecycle_segment: str
    is_reactivated: bool | None
    action_phase: str | None
    action_goal: str | None
    # From segment_changes; empty when the database predates it (read from segment_history).
    previous_rfm_segment: str | None = None
    rfm_segment: str | None = None
    is_first_appearance: bool | None = None
    is_lifecycle_change: bool | None = None
    is_rfm_change: bool | None = None


class ChangesPage(RunInfo):
    since: str
    changes: list[SegmentChange]
    next_cursor: str | None


class SummaryAnswer(RunInfo):
    segments: list[dict[str, Any]] = Field(description="Rows of segment_summary.")


class ThresholdsAnswer(RunInfo):
    thresholds: list[dict[str, Any]] = Field(description="Rows of lifecycle_thresholds.")


class ErrorAnswer(BaseModel):
    detail: str

"""The endpoints. Each request reads through one Reader (one connection on one
file), so every part of an answer comes from the run named in its run_id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from starlette.convertors import Convertor, register_url_convertor

from . import validation
from .answer_cache import Answer, AnswerCache
from .database import DatabaseUnavailable, Reader, open_reader
from .models import (
    ChangesPage,
    CustomerAnswer,
    ErrorAnswer,
    Health,
    SegmentPage,
    SummaryAnswer,
    ThresholdsAnswer,
)
from .snapshot import DatabaseChoice, database_to_read



class AnyText(Convertor):
    """A path part that may hold '/' and line breaks (Starlette's `path` stops at a newline), so a
    customer id with a control character gets a 422 from validation, not a 404 for a missing route."""

    regex = "(?s:.+)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anytext", AnyText())

router = APIRouter()

ERRORS = {
    401: {"model": ErrorAnswer, "description": "Missing or wrong bearer token."},
    422: {"model": ErrorAnswer, "description": "A parameter is not valid."},
    503: {"model": ErrorAnswer, "description": "No database to read (not built, or locked by a build)."},
}


def reader(response: Response) -> Iterator[Reader]:
    """One read-only connection for the request; its run id and as-of date go into the headers."""
    with open_reader() as opened:
        response.headers.update(opened.headers)
        try:
            yield opened
        except Exception as error:  # the route failed: its error answer carries the run too
            error.rfm_headers = opened.headers  # type: ignore[attr-defined]
            raise


ReaderDep = Annotated[Reader, Depends(reader)]


def _run(reader: Reader) -> dict:
    return {"run_id": reader.run_id, "as_of_date": reader.as_of_date, "source": reader.choice.source}


@router.get("/health", response_model=Health, responses={503: {"model": Health}}, tags=["health"])
def health(response: Response) -> Health:
    """Whether the API can answer, and from which file and run. No token needed; no customer data."""
    choice = database_to_read()
    answer = {"source": choice.source, "snapshot": choice.path.name, "run_id": choice.run_id,
              "published_at": choice.published_at}
    try:
        with open_reader(choice) as opened:
            response.headers.update(opened.headers)
            return Health(status="ok", **{**answer, "run_id": opened.run_id, "as_of_date": opened.as_of_date})
    except DatabaseUnavailable as error:
        response.status_code = 503
        return Health(status="unavailable", detail=str(error), **answer)


@router.get("/customers/{customer_id:anytext}", response_model=CustomerAnswer,
            responses={**ERRORS, 404: {"model": ErrorAnswer, "description": "No such customer."}},
            tags=["customers"])
def customer(customer_id: Annotated[str, Path(description="Customer key as in customer_segments.")],
             request: Request) -> Response:
    """One customer: segment, scores, the thresholds in force for them, action path and next transition."""
    choice = database_to_read()
    try:
        key = validation.customer_id(customer_id)
    except validation.InvalidParameter as error:
        # Errors carry the run's headers too, as on every other route.
        with open_reader(choice) as reader:
            error.rfm_headers = reader.headers  # type: ignore[attr-defined]
        raise
    cache: AnswerCache = request.app.state.customer_answers
    answer = cache.get(choice, key)
    if answer is None:
        cache.warm(choice, all_customer_answers)
        with open_reader(choice) as reader:
            rows = reader.rows("select * from main.customer_segments where customer_id = ?", [key])
            if not rows:
                raise HTTPException(404, "No customer with this id in this run.", headers=reader.headers)
            answer = (customer_answer(reader, rows[0]).model_dump_json().encode(), reader.headers)
        cache.put(choice, key, answer)
    body, headers = answer
    return Response(body, media_type="application/json", headers=headers)


def all_customer_answers(choice: DatabaseChoice, at_most: int) -> dict[str, Answer] | None:
    """Every customer's answer as the customer route sends it, or None when there are more than at_most."""
    with open_reader(choice) as reader:
        (customers,) = reader.connection.execute("select count(*) from main.customer_segments").fetchone()
        if customers > at_most:
            return None
        rows = reader.rows(f"select {reader.all_columns('customer_segments')} from main.customer_segments")
        return {row["customer_id"]: (customer_answer(reader, row).model_dump_json().encode(), reader.headers)
                for row in rows}


def customer_answer(reader: Reader, row: dict) -> CustomerAnswer:
    in_force = {name: dict(threshold) for name, threshold in reader.facts.thresholds_in_force}
    return CustomerAnswer(
        **_run(reader),
        customer=row,
        thresholds={"inactivity_threshold_days": row.get("inactivity_threshold_days"), "in_force": in_force},
        action_path={part: row.get(f"action_{part}") for part in ("phase", "goal", "description", "channel", "trigger")},
        next_transition={"segment_if_no_order": row.get("next_segment_if_no_order"),
                         "date": row.get("next_transition_date"), "days_until": row.get("days_until_transition")},
    )


@router.get("/segments/summary", response_model=SummaryAnswer, responses=ERRORS, tags=["segments"])
def segment_summary(reader: ReaderDep) -> SummaryAnswer:
    """segment_summary: every segment of every scheme, with counts, revenue and potential."""
    reader.require("segment_summary")
    rows = reader.rows("select * from main.segment_summary order by segment_scheme, segment_order, segment_code")
    return SummaryAnswer(**_run(reader), segments=rows)


@router.get("/segments/{segment}/customers", response_model=SegmentPage, responses=ERRORS, tags=["segments"])
def segment_customers(
    segment: Annotated[str, Path(description="prospect, new, one_time, regular, loyal, inactive or lost.")],
    reader: ReaderDep,
    limit: Annotated[int, Query(ge=1, le=validation.MAX_LIMIT, description="Page size, 1 to 1000.")] = validation.DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page (the last customer_id).")] = None,
) -> SegmentPage:
    """Customers of one lifecycle segment, ordered by customer_id, a page at a time (keyset paging:
    a page never repeats or skips a customer, however deep)."""
    name = validation.segment(segment)
    sql = f"select {reader.all_columns('customer_segments')} from main.customer_segments where lifecycle_segment = ?"
    parameters: list = [name]
    if cursor is not None:
        sql += " and customer_id > ?"
        parameters.append(validation.customer_id(cursor, "cursor"))
    sql += " order by customer_id limit ?"
    parameters.append(limit + 1)
    rows = reader.rows(sql, parameters)
    page = rows[:limit]
    next_cursor = page[-1]["customer_id"] if len(rows) > limit else None
    return SegmentPage(**_run(reader), segment=name, limit=limit, customers=page, next_cursor=next_cursor)


@router.get("/segment-changes", response_model=ChangesPage,
            responses={**ERRORS, 501: {"model": ErrorAnswer,
                                       "description": "The database has neither segment_changes nor segment_history."}},
            tags=["segments"])
def segment_changes(
    reader: ReaderDep,
    since: Annotated[str, Query(description="First period end to include, YYYY-MM-DD.")],
    segment: Annotated[str | None, Query(description="Only changes into this lifecycle segment.")] = None,
    include_rfm: Annotated[bool, Query(description="Also customers whose RFM segment changed while their "
                                                   "lifecycle segment did not.")] = False,
    limit: Annotated[int, Query(ge=1, le=validation.MAX_LIMIT, description="Page size, 1 to 1000.")] = validation.MAX_LIMIT,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
) -> ChangesPage:
    """Customers whose lifecycle segment (with include_rfm, or RFM segment) changed at a scored end on or after
    `since`, from the segment_changes mart (one row per customer and scored end with a change: closed periods, the
    open period up to the day before the as-of date, and the as-of date itself against the day before;
    previous_segment 'none' = a customer not known before). Ordered by period end, then customer_id. A database built before
    segment_changes existed is read from segment_history (lifecycle changes only)."""
    day = validation.iso_date(since, "since")
    wanted = validation.segment(segment) if segment is not None else None
    if "segment_changes" in reader.tables():
        sql = (
            "select c.changed_on_date as period_end_date, c.period_start_date, c.customer_id, "
            "c.previous_lifecycle_segment as previous_segment, c.lifecycle_segment, c.is_reactivated, "
            "c.action_phase, c.action_goal, c.previous_rfm_segment, c.rfm_segment, c.is_first_appearance, "
            "c.is_lifecycle_change, c.is_rfm_change "
            "from main.segment_changes as c "
            "where c.changed_on_date >= ?"
        )
        if not include_rfm:
            sql += " and c.is_lifecycle_change"
        columns = {"day": "c.changed_on_date", "id": "c.customer_id", "segment": "c.lifecycle_segment"}
    else:
        reader.require("segment_history")
        sql = (
            "select h.period_end_date, h.period_start_date, h.customer_id, h.previous_segment, h.lifecycle_segment, "
            "h.is_reactivated, s.action_phase, s.action_goal "
            "from main.segment_history as h "
            "left join main.segment_summary as s "
            "on s.segment_scheme = 'lifecycle' and s.segment_code = h.lifecycle_segment "
            "where h.period_end_date >= ? and h.previous_segment <> h.lifecycle_segment"
        )
        columns = {"day": "h.period_end_date", "id": "h.customer_id", "segment": "h.lifecycle_segment"}
    parameters: list = [day]
    if wanted is not None:
        sql += f" and {columns['segment']} = ?"
        parameters.append(wanted)
    if cursor is not None:
        after_day, after_id = validation.change_cursor(cursor)
        sql += f" and ({columns['day']} > ? or ({columns['day']} = ? and {columns['id']} > ?))"
        parameters += [after_day, after_day, after_id]
    sql += f" order by {columns['day']}, {columns['id']} limit ?"
    parameters.append(limit + 1)
    rows = reader.rows(sql, parameters)
    page = rows[:limit]
    next_cursor = f"{page[-1]['period_end_date']}/{page[-1]['customer_id']}" if len(rows) > limit else None
    return ChangesPage(**_run(reader), since=day.isoformat(), changes=page, next_cursor=next_cursor)


@router.get("/thresholds", response_model=ThresholdsAnswer, responses=ERRORS, tags=["thresholds"])
def thresholds(reader: ReaderDep) -> ThresholdsAnswer:
    """lifecycle_thresholds: every threshold and setting in force for the run, and how it was set."""
    reader.require("lifecycle_thresholds")
    return ThresholdsAnswer(**_run(reader), thresholds=reader.rows(
        "select * from main.lifecycle_thresholds order by threshold_name"))

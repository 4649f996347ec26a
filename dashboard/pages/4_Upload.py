"""The Upload page: drop an order export, check the mapping, build, and see the dashboard on it.

The logic (saving, preview, mapping, the dbt build, the results) is dashboard/uploads.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on the path, not the project root.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import streamlit as st  # noqa: E402

from dashboard import binding, charts, data, uploads  # noqa: E402

NONE = "(not in the file)"


@st.cache_data(show_spinner="Reading the file", max_entries=8)
def cached_preview(upload_id: str) -> uploads.Preview:
    """Read once per upload: the encoding check reads the whole file, and every widget reruns the page."""
    upload = uploads.Upload.find(upload_id)
    if upload is None:
        raise uploads.UploadError("The saved upload is gone (uploads/ was cleared?): drop the file again.")
    return uploads.inspect(upload)


def choose_mapping(upload: uploads.Upload, columns: list[str]) -> dict[str, str | None]:
    proposed = uploads.propose_mapping(columns)
    st.subheader("Column mapping")
    st.caption("Proposed from the header names; correct any field. Fields marked * are required.")
    mapping = {}
    cells = st.container(key="upload_mapping").columns(4)
    for i, field in enumerate(uploads.FIELDS):
        options = [NONE, *columns]
        label = field + (" *" if field in uploads.REQUIRED_FIELDS else "")
        chosen = cells[i % 4].selectbox(label, options, index=options.index(proposed[field] or NONE),
                                        key=f"map_{upload.id}_{field}")
        mapping[field] = None if chosen == NONE else chosen
    return mapping


def choose_amount_grain(upload: uploads.Upload, columns: list[str]) -> str:
    grains = list(uploads.AMOUNT_GRAINS)
    return st.radio("The amount column holds", grains, format_func=uploads.AMOUNT_GRAINS.get,
                    index=grains.index(uploads.propose_amount_grain(columns)), horizontal=True,
                    key=f"grain_{upload.id}",
                    help="A Shopify export writes the order's Total on its first line item only: choose the "
                         "order's total, and the other line items count as lines of that order.")


def choose_ids_ignore_case(upload: uploads.Upload, rows, customer_column: str | None) -> bool:
    # Keyed by the column too: choosing another customer column proposes again.
    return st.checkbox("Customer ids that differ only in case are one customer (e-mail addresses)",
                       value=uploads.propose_ids_ignore_case(rows, customer_column),
                       key=f"ids_case_{upload.id}_{customer_column}")


def choose_formats(upload: uploads.Upload) -> dict[str, str]:
    with st.expander("How the file writes amounts and dates: leave on auto unless the build asks"):
        cells = st.columns(len(uploads.FORMAT_CHOICES))
        return {key: cell.selectbox(key, choices, key=f"format_{upload.id}_{key}")
                for cell, (key, choices) in zip(cells, uploads.FORMAT_CHOICES.items())}


def show_results(upload: uploads.Upload) -> None:
    try:
        results = uploads.read_results(upload.database)
    except data.DashboardDataError as error:
        st.info(error.message)
        return
    st.subheader("Rows")
    st.metric("Rows accepted", f"{results.accepted_rows:,} of {results.source_rows:,}",
              help="Rows that became an order or a line of one (orders_accounting).")
    st.dataframe(results.fates, hide_index=True, key="upload_fates")
    if not results.rejected_examples.empty:
        st.caption("Rejected rows as they arrived, with the reason (orders_rejected, the first 20):")
        st.dataframe(results.rejected_examples, hide_index=True, key="upload_rejected")
    with st.expander("How the build read the file (input_formats)"):
        st.dataframe(results.formats, hide_index=True, key="upload_formats")


def show_segments(upload: uploads.Upload) -> None:
    try:
        marts = data.load_marts(upload.database)
    except data.DashboardDataError as error:
        st.info(error.message)
        return
    with st.container(key="upload_segments"):
        st.subheader(f"Your customers' segments, as of {marts.as_of_date}")
        st.plotly_chart(charts.segment_bars(marts.segment_summary, "customers", "Customers per segment"),
                        key="upload_segment_customers")
        st.dataframe(marts.segment_summary[["lifecycle_segment", "customers", "share_of_customers", "revenue"]],
                     hide_index=True, key="upload_segment_table")
    st.page_link("app.py", label="Open the whole dashboard on your data")


def main() -> None:
    st.set_page_config(page_title="RFM lifecycle · Upload", layout="wide")
    binding.require_loopback()
    st.title("Upload your orders")
    st.caption(f"CSV, Excel or Parquet. The file and its build stay on this machine, in `{uploads.uploads_folder()}`.")
    dropped = st.file_uploader("Order export", type=sorted(ending.lstrip(".") for ending in uploads.KINDS),
                               key="upload_file")
    if dropped is None:
        return
    saved = f"upload_saved_{dropped.file_id}"  # saved once per dropped file, not on every rerun
    try:
        if saved not in st.session_state:
            st.session_state[saved] = uploads.save_upload(dropped.name, dropped.getvalue()).id
        upload = uploads.Upload.find(st.session_state[saved])
        if upload is None:
            raise uploads.UploadError("The saved upload is gone (uploads/ was cleared?): drop the file again.")
        preview = cached_preview(upload.id)
    except uploads.UploadError as error:
        st.error(str(error))
        return
    st.subheader("Preview")
    st.caption("Found in the file; the build detects decimal separator, thousands separator and date format "
               "itself and shows them after it ran.")
    st.markdown(" · ".join(f"{name}: **{value}**" for name, value in preview.facts().items()))
    st.dataframe(preview.rows.head(10), hide_index=True, key="upload_preview")

    mapping = choose_mapping(upload, preview.columns)
    amount_grain = choose_amount_grain(upload, preview.columns)
    ids_ignore_case = choose_ids_ignore_case(upload, preview.rows, mapping["customer_id"])
    formats = choose_formats(upload)
    problems = uploads.mapping_problems(mapping, preview.columns)
    for problem in problems:
        st.warning(problem)
    if st.button("Build", type="primary", disabled=bool(problems), key="upload_build"):
        bar = st.progress(0.0, text="Starting the build")
        variables = uploads.build_vars(upload, mapping, formats, amount_grain, ids_ignore_case)
        outcome = uploads.run_build(upload, variables, bar.progress)
        st.session_state[f"upload_failure_{upload.id}"] = outcome.message
        if outcome.success:
            st.session_state[uploads.SESSION_KEY] = upload.id
    failure = st.session_state.get(f"upload_failure_{upload.id}")
    if failure:
        # Its tables may be half from this run and half from an earlier one: only dbt's own words are shown.
        st.error("The build stopped; nothing is shown from it. What dbt said:")
        st.code(failure, language="text")
    elif failure == "" and upload.database.exists():
        show_results(upload)
        show_segments(upload)


main()

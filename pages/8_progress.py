"""Progress: targets reached now, the maturity trend, a new dated assessment, two assessments compared."""

import datetime as dt

import pandas as pd
import streamlit as st

from otrisk import db
from otrisk.assessments import AssessmentError, new_assessment, prefill
from otrisk.compare import compare_assessments, percent_done, progress_text, trend
from otrisk.errors import OtriskError, StaleDataError, shown_value
from otrisk.evidence import today_utc
from otrisk.maturity import not_applicable_now
from otrisk.readiness import report_progress
from otrisk.ui import md_code, md_escape, readiness_report, setup_page, show_error
from otrisk.ui.editor import cell_number

ctx = setup_page("Progress", "📈")
ss = st.session_state
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)
COLUMN = {"maturity": "maturity", "target": "target", "not_applicable": "not applicable"}

st.title("Progress")
if "prog_flash" in ss:
    st.success(md_escape(ss.pop("prog_flash")))


def table(entries, columns: dict, key: str, ints=()) -> None:
    """Entries as a table: ``columns`` maps a column label to an attribute; dates as text."""
    if not entries:
        st.caption("None.")
        return
    rows = []
    for e in entries:
        row = {}
        for label, attr in columns.items():
            value = getattr(e, attr)
            row[label] = (", ".join(value) if isinstance(value, tuple)
                          else value.isoformat() if isinstance(value, dt.date) else value)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(columns))
    for label in ints:
        frame[label] = pd.array(frame[label].tolist(), dtype="Int64")
    st.dataframe(frame, hide_index=True, key=key,
                 column_config={"what": st.column_config.TextColumn(width="large")})


# --- Progress now -----------------------------------------------------------------------
today = today_utc()
now = report_progress(readiness_report(ctx, today))
st.header("Progress now")
cols = st.columns(4)
cols[0].metric("Targets reached", f"{now.done} of {now.total}",
               help="Elements and sub-elements rated at or above their target")
cols[1].metric("Share reached", f"{percent_done(now)} %" if now.total else "no targets",
               help="Rounded down: 100 % only when every id with a target reached it")
cols[2].metric("Not assessed", len(now.not_assessed), help="Have a target but no rating: counted as not done")
cols[3].metric("Not applicable", len(now.not_applicable), help="Left out of the figure")
st.caption(f"On {today}: {md_escape(progress_text(now))}.")

# --- Trend ------------------------------------------------------------------------------
st.header("Maturity over time")
history = trend(ctx.plant)
if not history.dates:
    st.info("No assessment recorded yet. Record the first one below.")
else:
    elements = [r for r in history.rows if r.is_element]
    chart = pd.DataFrame({r.id: [float("nan") if v is None else v for v in r.now] for r in elements},
                         index=pd.to_datetime(list(history.dates)))
    st.line_chart(chart, y_label="maturity (0..4)", x_label="assessment date")
    st.caption("The chart shows each element's maturity now on each assessment date (carried forward from "
               "the latest assessment that rated it). The table shows what each assessment itself rated; "
               "empty = not assessed in that one.")
    with_subs = st.toggle("Show sub-elements", key="prog_trend_subs")
    shown = history.rows if with_subs else elements
    trend_frame = pd.DataFrame({"id": [r.id for r in shown], "name": [r.name for r in shown]})
    for n, d in enumerate(history.dates):
        trend_frame[d.isoformat()] = pd.array([r.rated[n] for r in shown], dtype="Int64")
    trend_frame["target"] = pd.array([r.target for r in shown], dtype="Int64")
    st.dataframe(trend_frame, hide_index=True, key="prog_trend")

# --- Record an assessment ---------------------------------------------------------------
st.header("Record a dated assessment")
st.caption("The table starts from the latest values: change what the workshop decided, empty a maturity cell "
           "for an id not assessed this time. Maturity 0 = not implemented, 1..4 = ML1..ML4. A not-applicable "
           "justification marks the id not applicable (then leave its maturity empty).")


def restart_form() -> None:
    """Start the form again from the stored plant (a new editor key drops the edits)."""
    ss.pop("prog_base", None)
    ss["prog_nonce"] = ss.get("prog_nonce", 0) + 1


# The form is edited against the plant as it was when editing began; Save names that
# revision, so a save over someone else's change is refused, never merged.
if "prog_base" not in ss:
    ss["prog_base"] = (ctx.revision, prefill(ctx.plant))
base_revision, start = ss["prog_base"]
if ctx.revision != base_revision:
    st.warning(f"The stored plant changed since you started this form (revision {base_revision} → "
               f"{ctx.revision}). Your entries are kept here, but saving them will be refused. Reload the form "
               "to start again from the stored plant (this discards your entries).")
    if st.button("Reload the form", key="prog_reload"):
        restart_form()
        st.rerun()

start_frame = pd.DataFrame({
    "id": [r.id for r in start], "name": [r.name for r in start],
    "maturity": pd.array([r.maturity for r in start], dtype="Int64"),
    "target": pd.array([r.target for r in start], dtype="Int64"),
    "not applicable": pd.array([r.not_applicable for r in start], dtype=object),
})
level_help = "0 = not implemented, 1..4 = ML1..ML4; empty = not assessed"
with st.form("prog_record"):
    left, right = st.columns([1, 2])
    when = left.date_input("Date", value=today, min_value=EARLIEST, max_value=LATEST, key="prog_date", format="YYYY-MM-DD",
                           help="The day of the workshop; one assessment per date")
    name = right.text_input("Name (optional)", key="prog_name", placeholder="Follow-up workshop")
    edited = st.data_editor(
        start_frame, key=f"prog_table_{ss.get('prog_nonce', 0)}", hide_index=True, num_rows="fixed",
        disabled=["id", "name"],
        column_config={
            # no min/max: Streamlit would clamp a typo silently; new_assessment names it
            "maturity": st.column_config.NumberColumn("maturity", step=1, format="%d", help=level_help),
            "target": st.column_config.NumberColumn("target", step=1, format="%d", help="Target maturity 0..4"),
            "not applicable": st.column_config.TextColumn("not applicable", width="large",
                                                          help="Justification; empty = applicable"),
        },
    )
    submitted = st.form_submit_button("Save the assessment", type="primary", key="prog_save")

if submitted:
    rows = edited.astype(object).where(edited.notna(), None).to_dict("records")
    row_of = {r["id"]: n for n, r in enumerate(rows, start=1)}
    values = {field: {} for field in COLUMN}
    for r in rows:
        for field, label in COLUMN.items():
            cell = r[label] if field == "not_applicable" else cell_number(r[label])
            if cell is not None and cell != "":
                values[field][r["id"]] = cell
    # "not applicable" ends only with a rating (DESIGN.md: the latest statement decides): an
    # emptied justification without a rating would silently change nothing
    still_na = [i for i in row_of if not_applicable_now(ctx.plant, i, as_of=when)
                and i not in values["not_applicable"] and i not in values["maturity"]]
    if still_na:
        st.error("Not saved: " + md_escape(
            f"{', '.join(still_na)} stay{'s' if len(still_na) == 1 else ''} not applicable: an earlier assessment "
            "says so, and only a rating ends it. Rate it (0 = not implemented) to make it applicable again, "
            "or put the justification back."))
        st.stop()
    try:
        updated = new_assessment(ctx.plant, date=when, name=name, **values)
    except AssessmentError as exc:
        lines = []
        for p in exc.problems:
            where = (f"row {row_of[p.id]} ({p.id}), column {COLUMN.get(p.field, p.field)}" if p.id in row_of
                     else f"{p.id}, {p.field}" if p.id else p.field)
            shown = shown_value(p.value)
            lines.append(f"- {md_code(f'{where}: {p.message}{shown}')}")
        n = len(exc.problems)
        st.error(f"Not saved: {n} problem{'s' if n != 1 else ''}.\n\n" + "\n".join(lines))
    else:
        label = f"{when} ({name.strip()})" if name.strip() else str(when)
        try:
            revision = db.save_plant_db(ctx.engine, updated, expected_revision=base_revision, who=ctx.user,
                                        summary=f"assessment recorded: {label}")
        except StaleDataError as exc:
            show_error(exc)  # the form keeps the entries
        except OtriskError as exc:
            show_error(exc)
        else:
            restart_form()
            # a fresh form, and the comparison moves to the two latest assessments again
            for key in ("prog_date", "prog_name", "prog_before", "prog_after"):
                ss.pop(key, None)
            ss["prog_flash"] = f"Assessment {label} saved as revision {revision}."
            st.rerun()

# --- Two assessments side by side -------------------------------------------------------
st.header("Two assessments compared")
dates = [a.date for a in ctx.plant.assessments]
names = {a.date: a.name for a in ctx.plant.assessments}
if len(dates) < 2:
    st.info("Two assessments are needed for a comparison.")
else:
    def label_of(d: dt.date) -> str:
        return f"{d} · {names[d]}" if names.get(d) else str(d)

    left, right = st.columns(2)
    before = left.selectbox("Before", dates, index=len(dates) - 2, key="prog_before", format_func=label_of)
    after = right.selectbox("After", dates, index=len(dates) - 1, key="prog_after", format_func=label_of)
    try:
        comp = compare_assessments(ctx.plant, before, after,
                                   reports=(readiness_report(ctx, before), readiness_report(ctx, after)))
    except OtriskError as exc:
        show_error(exc)
    else:
        st.caption("Judged as of each date on the plant as stored today: assessments and evidence by their "
                   "dates; assets, ratings, actions and retired flags as they are now.")
        st.markdown("\n".join(f"- {md_escape(line)}" for line in comp.summary()))
        cols = st.columns(2)
        for col, d, p in ((cols[0], before, comp.progress_before), (cols[1], after, comp.progress_after)):
            col.metric(f"Targets reached on {d}", f"{p.done} of {p.total}",
                       f"{percent_done(p)} %" if p.total else None, delta_color="off")

        st.subheader("Maturity")
        table(comp.moves, {"id": "id", "name": "name", "before": "before", "assessed before": "before_date",
                           "after": "after", "assessed after": "after_date", "move": "kind", "what": "text"},
              "prog_moves", ints=("before", "after"))
        st.markdown("**Targets changed**")
        table(comp.targets_changed, {"id": "id", "target before": "before", "target after": "after",
                                     "what": "text"}, "prog_targets", ints=("target before", "target after"))

        st.subheader("Evidence")
        st.markdown(f"**Collected between {before} and {after}**")
        table(comp.evidence_added, {"evidence": "id", "kind": "kind", "title": "title", "collected": "collected",
                                    "filed under": "elements", "what": "text"}, "prog_ev_added")
        st.markdown(f"**Fresh on {before}, stale on {after}**")
        table(comp.evidence_stale, {"evidence": "id", "kind": "kind", "title": "title", "went stale for": "elements",
                                    "last fresh day": "last_fresh", "what": "text"}, "prog_ev_stale")

        st.subheader("Strengthen first")
        st.markdown("**Resolved (off the list)**")
        table(comp.strengthen_resolved, {"sub-element": "id", "score before": "score_before",
                                         "score after": "score_after", "what": "text"}, "prog_sf_resolved")
        st.markdown("**New on the list**")
        table(comp.strengthen_new, {"sub-element": "id", "score before": "score_before",
                                    "score after": "score_after", "what": "text"}, "prog_sf_new")
        st.markdown("**On both lists**")
        table(comp.strengthen_moved, {"sub-element": "id", "rank before": "rank_before", "rank after": "rank_after",
                                      "score before": "score_before", "score after": "score_after",
                                      "score change": "change", "what": "text"}, "prog_sf_moved")

        st.subheader("Actions")
        st.markdown("**Done** (status as recorded now; the plant keeps no completion date)")
        table(comp.actions_done, {"action": "id", "title": "title", "owner": "owner", "due": "due",
                                  "what": "text"}, "prog_actions_done")
        st.markdown(f"**Overdue on {after}**")
        table(comp.actions_overdue, {"action": "id", "title": "title", "owner": "owner", "due": "due",
                                     "status": "status", "what": "text"}, "prog_actions_overdue")

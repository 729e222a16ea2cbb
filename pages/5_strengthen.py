"""Strengthen first: the ranked sub-elements with their reasons, filterable by zone and axis;
make one an action; actions with the overdue ones standing out."""

import datetime as dt

import streamlit as st

from otrisk import db
from otrisk.actions import add_action, set_action_status
from otrisk.errors import OtriskError
from otrisk.evidence import today_utc
from otrisk.models import AXES, ActionStatus
from otrisk.readiness import overdue_actions
from otrisk.ui import analysis, md_escape, readiness_report, setup_page, show_error
from otrisk.ui.program import actions_frame, coverage_frame, readiness_style, strengthen_frame

ctx = setup_page("Strengthen first", "🏋️")
if "st_flash" in st.session_state:
    st.success(md_escape(st.session_state.pop("st_flash")))

st.title("Strengthen first")
st.caption("Sub-elements ranked by score = H × (maturity gap + evidence gap + coverage gap): the gap to target, "
           "the missing kind of fresh evidence, and the high-impact assets (impact ≥ 4 if lost or taken over) "
           "no fresh evidence of the expected kind covers; H = 1.5 for asset inventory and change control "
           "(CM 1), monitoring (EVENT 1) and backup and recovery (AVAIL 2). Formula: docs/formulas.md.")

as_of = st.date_input("As of", value=today_utc(), key="st_as_of", format="YYYY-MM-DD")
report = readiness_report(ctx, as_of)
zone_names = {z.id: z.name for z in ctx.plant.zones}
left, right = st.columns(2)
zones = left.multiselect("Zones of the uncovered assets", sorted(zone_names), key="st_zones", placeholder="All zones",
                         format_func=lambda z: f"{z} · {zone_names[z]}")
axes = right.multiselect("Axes on which they are high-impact", list(AXES), key="st_axes", placeholder="All axes")
items = [i for i in report.strengthen_first
         if (not zones or set(zones) & set(i.zones)) and (not axes or set(axes) & set(i.axes))]
st.caption(f"{len(items)} of {len(report.strengthen_first)} sub-elements with something to strengthen, "
           "highest score first (ties by id).")
st.dataframe(readiness_style(strengthen_frame(items, report)), hide_index=True, key="st_ranking",
             column_config={"why": st.column_config.TextColumn(width="large")})

if items:
    picked = st.selectbox("Why, and what to do", [i.id for i in items], key="st_item",
                          format_func=lambda i: f"{i} · {report.sub_element(i).name}")
    item = next(i for i in items if i.id == picked)
    sub = report.sub_element(picked)
    st.subheader(f"{item.id} {item.name}: score {item.score:g}")
    for reason in item.reasons:
        st.markdown(f"- {md_escape(reason)}")
    st.dataframe(coverage_frame(sub, ctx.plant, analysis(ctx)), hide_index=True, key="st_coverage")

    # Keys carry the item and the day: the defaults follow the item picked and the as-of day.
    slug = f"{item.id.replace(' ', '_')}_{as_of.isoformat()}"
    with st.form("st_action_form"):
        st.markdown("**Make it an action**")
        title = st.text_input("Title", value=f"Strengthen {item.id} {item.name}", key=f"st_action_title_{slug}")
        owner = st.text_input("Owner", key="st_action_owner")
        default_due = as_of + dt.timedelta(days=90) if as_of < dt.date(9999, 10, 1) else as_of
        due = st.date_input("Due", value=default_due, key=f"st_action_due_{slug}", format="YYYY-MM-DD")
        if st.form_submit_button("Create the action", key="st_action_create"):
            try:
                plant, action = add_action(ctx.plant, title=title.strip(), elements=[item.id],
                                           owner=owner.strip() or None, due=due)
                revision = db.save_plant_db(ctx.engine, plant, expected_revision=ctx.revision, who=ctx.user,
                                            summary=f"action {action.id} for {item.id}")
            except OtriskError as exc:
                show_error(exc)
            else:
                late = f" It is overdue already: due before the as-of day {as_of}." if due < as_of else ""
                st.session_state["st_flash"] = (f"Saved action {action.id}: {action.title} (due {action.due}) "
                                                f"as revision {revision}.{late}")
                st.rerun()

st.header("Actions")
late = {a.id for a in overdue_actions(ctx.plant, as_of=as_of)}
if late:
    st.error(md_escape(f"{len(late)} overdue on {as_of}: {', '.join(sorted(late))}"))
actions = actions_frame(ctx.plant, late)
st.dataframe(actions, hide_index=True, key="st_actions",
             column_config={"due": st.column_config.DateColumn(format="YYYY-MM-DD")})
if ctx.plant.actions:
    with st.form("st_status_form"):
        cols = st.columns([3, 2, 1])
        which = cols[0].selectbox("Action", [a.id for a in ctx.plant.actions], key="st_status_action")
        new_status = cols[1].selectbox("New status", [s.value for s in ActionStatus], key="st_status_value")
        if st.form_submit_button("Set status", key="st_status_set"):
            current = next(a.status for a in ctx.plant.actions if a.id == which)
            if current == new_status:
                st.info(md_escape(f"Action {which} is already {new_status}: nothing saved."))
                st.stop()
            try:
                revision = db.save_plant_db(ctx.engine, set_action_status(ctx.plant, which, new_status),
                                            expected_revision=ctx.revision, who=ctx.user,
                                            summary=f"action {which}: {new_status}")
            except OtriskError as exc:
                show_error(exc)
            else:
                st.session_state["st_flash"] = f"Action {which} is now {new_status} (revision {revision})."
                st.rerun()

"""Workshop: one screen for the projector (risk matrix, program elements, strengthen first,
actions, since the last workshop), quick rating with undo, and decisions captured as actions."""

import datetime as dt

import streamlit as st

from otrisk import db
from otrisk.actions import add_action
from otrisk.compare import compare_assessments
from otrisk.errors import OtriskError, StaleDataError
from otrisk.evidence import today_utc
from otrisk.readiness import overdue_actions
from otrisk.ui import analysis, md_escape, readiness_report, setup_page, show_error
from otrisk.ui import workshop_ui as ws
from otrisk.workshop import elements_at_target, rank_moves, rating_counts, risk_matrix

ctx = setup_page("Workshop", "👥")
# A projector view: the sidebar starts closed so the tables get the full width.
st.set_page_config(initial_sidebar_state="collapsed")
# Projector view: less empty space above the title, so the five panels fit one 1280×720 screen.
st.markdown("<style>[data-testid='stMainBlockContainer']{padding-top:1.5rem}</style>", unsafe_allow_html=True)
ss = st.session_state
if "ws_flash" in ss:
    st.success(md_escape(ss.pop("ws_flash")))

today = today_utc()
report = readiness_report(ctx, today)
results = analysis(ctx)
late = overdue_actions(ctx.plant, as_of=today)
open_count = sum(1 for a in ctx.plant.actions if a.status in ("open", "in_progress"))

# --- Title and key figures: one band, so the matrix and the program fit on a 1280×720 screen ---
rated = rating_counts(ctx.plant)
at_target, with_target = elements_at_target(report)
head = st.columns([3, 2, 2, 2, 2], vertical_alignment="bottom")
head[0].title("Workshop")
head[0].caption(f"{md_escape(ctx.plant.site.name)} · revision {ctx.revision} · {today}")
head[1].metric("Assets rated", f"{rated.full} of {rated.total}",
               help=f"All three axes rated; {rated.partial} partly, {rated.none} not at all")
head[2].metric("Elements at target", f"{at_target} of {with_target}",
               help="Program elements whose maturity now reaches their target")
head[3].metric("Open actions", open_count, help="Open or in progress")
head[4].metric("Overdue actions", len(late), help=f"Open or in progress and due before {today}")

# --- Matrix, elements, strengthen first -------------------------------------------------
left, middle, right = st.columns(3)
matrix = risk_matrix(ctx.plant, results)
with left:
    st.markdown("**Risk matrix** · assets by worst impact × exposure",
                help="Rows: worst effective impact over production, safety and delivery (the asset and everything "
                     "that depends on it). Columns: exposure of the asset's zone, 0 (no other zone reaches it) … 3 "
                     "(external or remote access, or reachable from one).")
    st.dataframe(ws.matrix_style(ws.matrix_frame(matrix)), key="ws_matrix", height=ws.table_height(6),
                 column_config=ws.MATRIX_COLUMNS)
    cells = ws.matrix_cells(matrix)
    if cells:
        with st.popover("Which assets?", key="ws_cell_pop"):
            picked = st.selectbox("Cell", list(cells), key="ws_cell")
            names = ctx.asset_names()
            st.markdown("\n".join(f"- {md_escape(names[a])} ({md_escape(a)})" for a in cells[picked]))
with middle:
    st.markdown("**Program elements** · now vs target")
    st.dataframe(ws.elements_frame(report), hide_index=True, key="ws_elements", height=ws.table_height(8),
                 column_config=ws.ELEMENT_COLUMNS)
with right:
    st.markdown("**Strengthen first** · top 5")
    if report.strengthen_first:
        st.dataframe(ws.strengthen_top(report), hide_index=True, key="ws_strengthen", height=ws.table_height(5),
                     column_config=ws.STRENGTHEN_COLUMNS)
    else:
        st.success("Nothing to strengthen: every applicable sub-element is at target with fresh evidence.")

# --- Actions and since the last workshop ------------------------------------------------
left, right = st.columns(2)
with left:
    st.markdown(f"**Open actions** · {open_count}, {len(late)} overdue")
    st.dataframe(ws.open_actions_frame(ctx.plant, today), hide_index=True, key="ws_actions",
                 height=ws.table_height(min(max(open_count, 1), 4)),
                 column_config={"due": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                "title": st.column_config.TextColumn(width="large")})
with right:
    st.markdown("**Since the last workshop**")
    dates = [a.date for a in ctx.plant.assessments]
    if len(dates) < 2:
        st.info("Two assessments are needed for a comparison (record them on the Progress page).")
    else:
        with st.popover("Other assessments", key="ws_pick_pop"):
            before = st.selectbox("Before", dates, index=len(dates) - 2, key="ws_before")
            after = st.selectbox("After", dates, index=len(dates) - 1, key="ws_after")
        try:
            comp = compare_assessments(ctx.plant, before, after,
                                       reports=(readiness_report(ctx, before), readiness_report(ctx, after)))
        except OtriskError as exc:
            show_error(exc)
        else:
            st.markdown("\n".join(f"- {md_escape(line)}" for line in comp.summary()[:1] + comp.summary()[3:]))

# --- Quick rating -----------------------------------------------------------------------
st.header("Quick rating")
st.caption("Rate what the loss of each system would do, 1 (negligible) … 5 (severe); empty = unknown. "
           "Every change is one step you can undo; the ranking below follows at once. Nothing is stored "
           "until you press Save ratings (one revision for all of them).")
state = ws.rating_state(ctx)
if ctx.revision != state.revision:
    st.warning(f"The stored plant changed since the room started rating (revision {state.revision} → "
               f"{ctx.revision}). Your {len(state.session)} steps are kept, but saving them is refused. Apply "
               "them to the current plant (where someone else changed a rating you changed too, yours replaces "
               "theirs), or discard them.")
    again = st.container(horizontal=True)
    if again.button(f"Apply my ratings to revision {ctx.revision}", key="ws_rebase"):
        gone = ws.restart_rating(state, ctx.plant, ctx.revision, keep_steps=True)
        if gone:
            ss["ws_flash"] = f"Dropped the ratings of assets deleted meanwhile: {', '.join(gone)}."
        st.rerun()
    if again.button("Discard my ratings", key="ws_discard_stale"):
        ws.restart_rating(state, ctx.plant, ctx.revision, keep_steps=False)
        st.rerun()

table, ranking = st.columns([4, 3])
with table:
    zone_names = {z.id: z.name for z in state.plant.zones}
    zones = st.multiselect("Zones", ["", *sorted(zone_names)], key="ws_rate_zones", placeholder="All zones",
                           format_func=lambda z: f"{z} · {zone_names[z]}" if z else "(no zone)",
                           label_visibility="collapsed")
    key = ws.editor_key(state, zones)
    frame = ws.editor_frame(state, key, zones)
    edited = st.data_editor(frame, key=key, hide_index=True, num_rows="fixed", height=ws.table_height(10),
                            placeholder="unknown",
                            column_config=ws.rating_columns(), alt="Quick rating")
    for problem in ws.new_steps(state, frame, edited):
        show_error(problem)
    changes = state.session.changes(state.plant)
    buttons = st.container(horizontal=True)
    undo = buttons.button("Undo last change", key="ws_undo", disabled=not len(state.session))
    save = buttons.button(f"Save ratings ({len(changes)})", key="ws_save", type="primary", disabled=not changes)
    if changes:
        st.caption("Unsaved: " + md_escape(ws.changes_text(state)))
with ranking:
    before_rank, after_rank = ws.preview_analysis(ctx, state)
    st.markdown("**Top 10 by priority** · with the ratings above" + (" (unsaved)" if changes else ""))
    st.dataframe(ws.moves_frame(rank_moves(before_rank, after_rank), after_rank, state.plant), hide_index=True,
                 key="ws_ranking", height=ws.table_height(10), column_config=ws.RANKING_COLUMNS)
if undo:
    state.session.undo()
    state.nonce += 1
    st.rerun()
if save:
    n, rated_plant = len(changes), state.session.preview(state.plant)
    try:
        revision = db.save_plant_db(
            ctx.engine, rated_plant, expected_revision=state.revision, who=ctx.user,
            summary=f"quick rating: {n} rating{'s' if n != 1 else ''} of "
                    f"{len({c.asset for c in changes})} assets: {ws.changes_text(state)}"[:500])
    except StaleDataError as exc:
        st.error(md_escape(f"Not saved: {exc.by or 'someone'} saved the plant since the room started rating (you started "
                           f"from revision {exc.expected}, stored is revision {exc.current}). Do not reload: your "
                           f"{len(changes)} ratings are kept here; apply them to the current plant above, then "
                           "save again."))
    except OtriskError as exc:
        show_error(exc)
    else:
        ws.restart_rating(state, rated_plant, revision, keep_steps=False)
        ss["ws_flash"] = f"Saved {n} rating{'s' if n != 1 else ''} as revision {revision}."
        st.rerun()

# --- Decisions --------------------------------------------------------------------------
st.header("Decisions")
st.caption("Capture each decision as an action: what, for which program elements, who, by when.")
choices = [i.id for i in report.strengthen_first] + [e.id for e in report.elements]
choice_names = {**{e.id: e.name for e in report.elements}, **{i.id: i.name for i in report.strengthen_first}}
# A fresh set of widget keys after each recorded decision: the browser keeps a form's text even
# when its session state is cleared, and a second click would record the decision twice.
n = ss.get("ws_dec_round", 0)
sfx = f"_{n}" if n else ""
if "ws_dec_flash" in ss:
    st.success(md_escape(ss.pop("ws_dec_flash")))
with st.form(f"ws_decision{sfx}"):
    top = st.columns([3, 2])
    title = top[0].text_input("Decision", key=f"ws_dec_title{sfx}",
                              placeholder="e.g. Quarterly restore test of the line PLCs")
    elements = top[1].multiselect("For", list(dict.fromkeys(choices)), key=f"ws_dec_elements{sfx}",
                                  default=choices[:1], format_func=lambda i: f"{i} · {choice_names[i]}")
    bottom = st.columns([3, 2])
    owner = bottom[0].text_input("Owner", key=f"ws_dec_owner{sfx}")
    due = bottom[1].date_input("Due", value=today + dt.timedelta(days=90), key=f"ws_dec_due{sfx}",
                               format="YYYY-MM-DD")
    if st.form_submit_button("Record the decision", key=f"ws_dec_save{sfx}"):
        if not title.strip():
            st.error("Give the decision a title: what will be done.")
            st.stop()
        try:
            plant, action = add_action(ctx.plant, title=title.strip(), elements=elements,
                                       owner=owner.strip() or None, due=due)
            revision = db.save_plant_db(ctx.engine, plant, expected_revision=ctx.revision, who=ctx.user,
                                        summary=f"workshop decision {action.id}: {action.title}"[:500])
        except OtriskError as exc:
            show_error(exc)
        else:
            if state.revision == ctx.revision:  # our own save: the room's ratings carry on from it
                state.plant, state.revision = plant, revision
            for k in ("ws_dec_title", "ws_dec_elements", "ws_dec_owner", "ws_dec_due"):
                ss.pop(k + sfx, None)
            ss["ws_dec_round"] = n + 1
            ss["ws_dec_flash"] = f"Recorded action {action.id}: {action.title} (revision {revision})."
            st.rerun()

"""otrisk: Overview (the landing page). Run with ``streamlit run app.py``."""

import streamlit as st

from otrisk.evidence import today_utc
from otrisk.readiness import overdue_actions
from otrisk.ui import analysis, md_escape, readiness_report, setup_page
from otrisk.ui.frames import gap_frames, plant_counts, ranking_frame

ctx = setup_page("Overview", "🛡️")

st.title("Overview")
st.caption(f"{md_escape(ctx.plant.site.name)} · revision {ctx.revision}")

counts = plant_counts(ctx.plant)
structure, gaps = list(counts.items())[:4], list(counts.items())[4:]
for column, (label, value) in zip(st.columns(len(structure)), structure):
    column.metric(label.capitalize(), value)
for column, (label, value) in zip(st.columns(len(structure)), gaps):
    column.metric(label.capitalize(), value, help="A data gap: fill it in on the Systems and dependencies page")

st.header("Top 10 assets by priority")
if not ctx.plant.assets:
    st.info("No assets yet. Add them on the Systems and dependencies page, or upload a plant file there.")
else:
    results = analysis(ctx)
    top = ranking_frame(ctx.plant, results[:10])
    shown = ["rank", "asset", "name", "zone", "priority", "if lost", "if taken over", "blast radius", "why"]
    st.dataframe(
        top[shown], hide_index=True, key="ov_top", placeholder="unknown",
        column_config={
            "priority": st.column_config.NumberColumn(help="See docs/formulas.md"),
            "if lost": st.column_config.TextColumn(
                help="Effective impact production/safety/delivery (1..5, ? = unknown): "
                     "the asset and everything that depends on it"),
            "if taken over": st.column_config.TextColumn(
                help="Compromise impact production/safety/delivery: what an attacker controlling "
                     "the asset can change through the assets it manages"),
            "why": st.column_config.TextColumn(width="large", help="The causes behind the figures; "
                                               "the arithmetic is under 'Reasons in full'"),
        },
    )
    with st.expander("Reasons in full"):
        for r in results[:10]:
            st.markdown(f"**{md_escape(r.asset)}** · priority {r.priority:g}")
            st.markdown("\n".join(f"- {md_escape(reason)}" for reason in r.reasons))
    st.page_link("pages/2_Impact.py", label="Full ranking, dependents and heat map", icon="🎯")

st.header("Strengthen first")
report = readiness_report(ctx, today_utc())
late = overdue_actions(ctx.plant, as_of=report.as_of)
if late:
    st.error(md_escape(f"{len(late)} overdue action{'s' if len(late) != 1 else ''}: "
                       + ", ".join(f"{a.id} (due {a.due})" for a in late)))
if report.strengthen_first:
    for item in report.strengthen_first[:3]:
        st.markdown(f"**{md_escape(item.id)} {md_escape(item.name)}** · score {item.score:g}  \n"
                    + md_escape("; ".join(item.reasons[1:3])))
else:
    st.success("Nothing to strengthen: every applicable sub-element is at target with fresh evidence.")
st.page_link("pages/5_strengthen.py", label="Ranked list, reasons and actions", icon="🏋️")
st.page_link("pages/4_program_map.py", label="IEC 62443-2-1 program map", icon="🗺️")

st.header("Data gaps")
for column, (title, frame) in zip(st.columns(3), gap_frames(ctx.plant).items()):
    with column:
        st.subheader(f"{title} ({len(frame)})")
        if frame.empty:
            st.success("None")
        else:
            st.dataframe(frame, hide_index=True)

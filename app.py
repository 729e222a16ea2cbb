"""otrisk: Overview (the landing page). Run with ``streamlit run app.py``."""

import streamlit as st

from otrisk.ui import analysis, md_escape, setup_page
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

st.header("Data gaps")
for column, (title, frame) in zip(st.columns(3), gap_frames(ctx.plant).items()):
    with column:
        st.subheader(f"{title} ({len(frame)})")
        if frame.empty:
            st.success("None")
        else:
            st.dataframe(frame, hide_index=True)

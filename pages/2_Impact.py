"""Impact: the priority ranking, an asset's dependents and managed assets, the zone heat map."""

import streamlit as st

from otrisk.impact import dependents, managed
from otrisk.models import AXES
from otrisk.ui import analysis, md_escape, setup_page
from otrisk.ui.frames import assets_named, heat_frame, heat_style, ranking_frame

ctx = setup_page("Impact", "🎯")

st.title("Impact")
st.caption("Effective impact: what losing an asset does, counting everything that depends on it. "
           "Compromise impact: what an attacker who controls it can do through the assets it manages. "
           "Ratings 1..5; empty = unknown, never low.")

if not ctx.plant.assets:
    st.info("No assets yet. Add them on the Systems and dependencies page.")
    st.stop()

results = analysis(ctx)
ranking = ranking_frame(ctx.plant, results)
zone_names = {z.id: z.name for z in ctx.plant.zones}

st.header("Ranking")
zone_options = sorted(zone_names) + (["(no zone)"] if (ranking["zone"] == "").any() else [])
left, right = st.columns(2)
chosen_zones = left.multiselect(
    "Zones", zone_options, key="imp_zones", placeholder="All zones",
    format_func=lambda z: f"{z} · {zone_names[z]}" if z in zone_names else z,
)
chosen_types = right.multiselect("Types", sorted(set(ranking["type"])), key="imp_types", placeholder="All types")

shown = ranking
if chosen_zones:
    shown = shown[shown["zone"].replace("", "(no zone)").isin(chosen_zones)]
if chosen_types:
    shown = shown[shown["type"].isin(chosen_types)]
st.caption(f"{len(shown)} of {len(ranking)} assets, highest priority first (ties by id).")
st.dataframe(
    shown, hide_index=True, key="imp_ranking", placeholder="unknown",
    column_config={
        "priority": st.column_config.NumberColumn(help="See docs/formulas.md"),
        "exposure": st.column_config.NumberColumn(help="0..3 from zone reachability (3: reachable from outside); empty = asset without zone"),
        "reasons": st.column_config.TextColumn(width="large"),
    },
)

st.header("Dependents and managed assets")
names = ctx.asset_names()
pick_options = list(shown["asset"]) or [r.asset for r in results]
picked = st.selectbox("Asset", pick_options, key="imp_asset", format_func=lambda a: f"{a} · {names.get(a, '')}")
if picked is not None:
    deps = dependents(ctx.plant, picked)
    mgd = managed(ctx.plant, picked)
    left, right = st.columns(2)
    with left:
        st.subheader(f"Dependents ({len(deps)})")
        st.caption(f"Affected if {md_escape(picked)} is lost (blast radius).")
        st.dataframe(assets_named(ctx.plant, deps), hide_index=True, key="imp_dependents")
    with right:
        st.subheader(f"Managed ({len(mgd)})")
        st.caption(f"Whose logic or configuration {md_escape(picked)} can change, directly or through others.")
        st.dataframe(assets_named(ctx.plant, mgd), hide_index=True, key="imp_managed")

st.header("Heat map")
st.caption("Worst impact of each zone's assets per axis (" + ", ".join(AXES) + "); 5 = severe, "
           "empty = no rating in the zone. A zone can be mild to lose yet severe to take over: "
           "its workstations can change what other zones run.")
lost, taken = st.columns(2)
lost.subheader("If lost (effective)")
lost.dataframe(heat_style(heat_frame(ctx.plant, results)), key="imp_heat")
taken.subheader("If taken over (compromise)")
taken.dataframe(heat_style(heat_frame(ctx.plant, results, "compromise")), key="imp_heat_takeover")

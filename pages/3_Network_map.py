"""Network map: assets by zone, with their dependencies and management links; or zones and conduits."""

import streamlit as st

from otrisk.settings import get_setting
from otrisk.ui import GraphView, graph_html, setup_page
from otrisk.ui.frames import zone_legend
from otrisk.ui.graph import NO_ZONE, view_asset_ids
from otrisk.ui.zone_ui import zone_map_view

ctx = setup_page("Network map", "🕸️")

st.title("Network map")
drawn = st.radio("Draw", ["Assets", "Zones"], horizontal=True, key="nm_view",
                 help="Assets: systems and their dependencies. Zones: zones and the conduits between them.")
if drawn == "Zones":
    zone_map_view(ctx)
    st.stop()

st.caption("Solid arrow: depends on. Dashed red arrow: manages. Colour: zone. "
           "Square: controller (PLC, RTU, drive); star: SIS; triangle: switch; "
           "inverted triangle: firewall; diamond: service, IIoT or other. Hover a node for details.")

if not ctx.plant.assets:
    st.info("No assets yet. Add them on the Systems and dependencies page.")
    st.stop()

zones = {z.id: z for z in ctx.plant.zones}
names = ctx.asset_names()
zone_options = sorted(zones) + ([NO_ZONE] if any(not a.zone for a in ctx.plant.assets) else [])

mode = st.radio("Show", ["Whole plant", "One zone", "Around an asset"], horizontal=True, key="net_mode")
layered = st.toggle("Arrange by Purdue level (rows) and zone (columns)", key="net_layered",
                    help="Off: the browser arranges the nodes (small maps only)")
view = GraphView(layered=layered)
if mode == "One zone":
    zone = st.selectbox("Zone", zone_options, key="net_zone",
                        format_func=lambda z: f"{z} · {zones[z].name}" if z in zones else z)
    view = GraphView(zone=zone, layered=layered)
elif mode == "Around an asset":
    left, right = st.columns([3, 1])
    center = left.selectbox("Asset", sorted(names), key="net_center", format_func=lambda a: f"{a} · {names[a]}")
    radius = right.radio("Steps", [1, 2], horizontal=True, key="net_radius",
                         help="Assets up to this many depends-on or manages links away, either direction")
    view = GraphView(center=center, radius=int(radius), layered=layered)

count = len(view_asset_ids(ctx.plant, view))
limit = get_setting("graph_physics_max_nodes")
if count > limit:
    layout = f"laid out by Purdue level (rows) and zone (columns) because it has more than {limit} nodes"
elif layered:
    layout = "laid out by Purdue level (rows) and zone (columns)"
else:
    layout = "arranged by the browser"
st.caption(f"{count} assets shown, {layout}.")

if count:
    st.iframe(graph_html(ctx, view), height=660, alt="Network map")
    st.subheader("Zones")
    st.dataframe(zone_legend(ctx.plant), hide_index=True, key="net_legend")
else:
    st.info("Nothing to show for this choice.")

"""Unknown device: which zone a switch port, IP or MAC is in, what a device there can reach, how bad
that could be, whom to call and what to do first (floor incident 2)."""

import streamlit as st

from otrisk.errors import OtriskError
from otrisk.models import AXES
from otrisk.triagesteps import incident_note
from otrisk.ui import analysis, md_code, md_escape, setup_page, show_error
from otrisk.ui.triage_ui import (
    answer_for,
    findings_frame,
    note_stamp,
    plain_md,
    reachable_assets_frame,
    severity_banner,
    stored_configs,
    triage_map_html,
    where_markdown,
    zones_frame,
)

ctx = setup_page("Unknown device", "🔌")

st.title("Unknown device")
st.caption("A device nobody knows is plugged into a switch port. Give its port, IP address or MAC address: "
           "otrisk answers which zone it is in, what it can reach, how bad that could be for production, "
           "safety and delivery, whom to call, and what to do first. Nothing here changes the switch.")

target = st.text_input("Switch port, IP address or MAC address", key="ud_target",
                       placeholder="sw-filling:Gi1/0/17  ·  172.20.140.23  ·  00:1b:1b:12:34:56",
                       help="A port is SWITCH:PORT in any spelling (Gi1/0/4, GigabitEthernet1/0/4). "
                            "A MAC in any notation (aa:bb:…, aa-bb-…, aabb.ccdd.eeff).")
configs, _ = stored_configs(ctx)
use_stored = st.checkbox(f"Use the stored switch configurations ({len(configs)} switches)", value=True,
                         key="ud_stored", help="The latest imported version of each switch (Switch configs page) "
                                               "and its released baseline.")
with st.expander("Paste a MAC table, switchport listing or LLDP/CDP neighbours (optional)"):
    pasted = st.text_area("Output of show mac address-table / show interfaces switchport / show lldp neighbors "
                          "detail / show cdp neighbors detail (one switch; with or without the prompt lines)",
                          key="ud_paste", height=180)
    upload = st.file_uploader("…or upload it as a text file", type=["txt", "log"], key="ud_upload")
    if upload is not None:
        pasted = (pasted + "\n" if pasted.strip() else "") + upload.getvalue().decode("utf-8", "replace")
    paste_switch = st.text_input("Switch the output comes from (when it has no prompt line)", key="ud_switch")

if not target.strip():
    st.info("Type a switch port, an IP address or a MAC address above. Example from the demo plant: "
            "`sw-filling:Gi1/0/5` or `172.20.140.23`.")
    st.stop()

try:
    answer = answer_for(ctx, target, pasted=pasted, paste_switch=paste_switch, use_stored=use_stored)
except OtriskError as exc:
    show_error(exc)
    st.stop()

severity_banner(answer)
w = answer.worst_effective
c1, c2, c3, c4 = st.columns(4)
c1.metric("Zones", ", ".join(answer.zones) or "none found")
c2.metric("Zones in reach", len(answer.reachable_zones))
c3.metric("Systems in reach", len(answer.reachable_assets))
c4.metric("Worst impact (P/S/D)", " / ".join("?" if w[ax] is None else str(w[ax]) for ax in AXES))
for problem in answer.problems:
    st.warning(plain_md(problem))

st.subheader("Next steps")
st.markdown("\n".join(f"{i}. {plain_md(s)}" for i, s in enumerate(answer.next_steps, 1)))

left, right = st.columns(2)
with left:
    st.subheader("Where it is")
    if answer.zones:
        st.dataframe(zones_frame(answer, ctx.plant), hide_index=True, key="ud_zones")
        if len(answer.zones) > 1:
            st.caption("Several zones: the port carries VLANs of each, so the answer unions what they reach.")
    st.markdown(where_markdown(answer) or "No switch port known for this device.")
with right:
    st.subheader("Whom to call")
    st.markdown("\n".join(f"{i}. {md_escape(o)}" for i, o in enumerate(answer.owners, 1))
                or "No owner is recorded for these zones or systems: call the OT security lead and the shift lead.")
    if answer.safety_zones:
        st.error(md_escape(f"Safety zone {', '.join(answer.safety_zones)} is in reach."))

if answer.zones:
    st.subheader("What it can reach")
    st.markdown("**Conduits of its zones:** " + (", ".join(md_code(t) for t in answer.conduit_texts) or "none")
                + "  \n**Zones in reach:** " + (md_escape(", ".join(answer.reachable_zones)) or "none beyond its own"))
    st.dataframe(reachable_assets_frame(answer, ctx.plant, analysis(ctx)), hide_index=True, key="ud_assets")
    st.iframe(triage_map_html(ctx, answer), height=660)
    st.caption("Thick black border: the device's zone. Orange border: zones it can reach. Grey: out of reach.")
    if answer.findings:
        st.subheader(f"Open findings on its zones ({len(answer.findings)})")
        st.dataframe(findings_frame(answer.findings), hide_index=True, key="ud_findings")

with st.expander("Port, identification and baseline", expanded=not answer.resolved):
    for title, items in (("Port", answer.port_facts), ("Identification", answer.identification),
                         ("Baseline", answer.baseline)):
        if items:
            st.markdown(f"**{title}**\n" + "\n".join(f"- {plain_md(x)}" for x in items))

st.subheader("Incident note")
note = incident_note(answer, site=ctx.plant.site.name, when=note_stamp())
st.code(note, language=None, wrap_lines=True)
st.download_button("Download the incident note", note, file_name="incident-note.txt", mime="text/plain",
                   key="ud_note_download")

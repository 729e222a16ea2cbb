"""Switch configs: import saved configurations, their versions, the released baseline per switch,
the diff baseline → latest, and the zone crossings and change-window findings of that diff."""

import streamlit as st

from otrisk.configs import ConfigError, parse_config
from otrisk.configstore import (
    baseline_devices,
    current_devices,
    devices,
    import_configs,
    release_baseline,
    store_revision,
    version_text,
    versions,
)
from otrisk.errors import OtriskError
from otrisk.ui import md_code, md_escape, setup_page, show_error
from otrisk.ui.config_ui import (
    crossings,
    crossings_frame,
    decode,
    devices_frame,
    no_baseline_style,
    port_changes_frame,
    side_by_side_frame,
    unified_diff,
    version_label,
    versions_frame,
    when,
)

ctx = setup_page("Switch configs", "🔀")
ss = st.session_state

st.title("Switch configs")
if "cfg_flash" in ss:
    st.success(md_escape(ss.pop("cfg_flash")))
st.caption("Saved switch configurations (Cisco IOS/IOS-XE/NX-OS, Junos) with their history. A switch's "
           "released baseline is the configuration it should have; the latest import is compared with it, "
           "port by port, and every pair of zones that can now talk through a switch is a finding.")

# --- Import -------------------------------------------------------------------------------------
st.header("Import")
uploads = st.file_uploader("Switch configurations (one file per switch)", accept_multiple_files=True,
                           key="cfg_upload",
                           help="Saved running or startup configurations. A file identical to the latest "
                                "stored version of its switch is not stored again.")
if st.button("Import", key="cfg_import", type="primary", disabled=not uploads):
    files = [(u.name, u.getvalue()) for u in uploads]
    try:
        results = import_configs(ctx.engine, files, who=ctx.user)
    except ConfigError as exc:
        st.error(md_escape(f"Not imported: {exc}. Nothing was stored."))
    except OtriskError as exc:
        show_error(exc)
    else:
        new = sum(r.new for r in results)
        st.success(md_escape(f"Imported {len(results)} file{'s' if len(results) != 1 else ''}: {new} new "
                             f"version{'s' if new != 1 else ''}, {len(results) - new} unchanged."))
        st.dataframe([{"file": r.file_name, "device": r.device, "result": "new version" if r.new else "unchanged",
                       "version": r.version.id, "stated change time": when(r.version.changed_at)}
                      for r in results], hide_index=True, key="cfg_results")

# --- Devices ------------------------------------------------------------------------------------
summaries = devices(ctx.engine)
st.header("Switches")
if not summaries:
    st.info("No switch configuration is stored yet. Upload saved configurations above, or import a folder "
            "of them from the command line: `otrisk configs import DIR --db URL`. Then release a version "
            "of each switch as its baseline.")
    st.stop()

missing = [s.device for s in summaries if s.baseline is None]
st.dataframe(no_baseline_style(devices_frame(summaries)), hide_index=True, key="cfg_devices")
if missing:
    st.warning(md_escape(f"{len(missing)} switch{'es' if len(missing) != 1 else ''} without a released "
                         f"baseline: {', '.join(missing)}. Until one is released, every zone pair such a "
                         "switch connects counts as new."))

by_key = {s.device_key: s for s in summaries}
picked = st.selectbox("Switch", list(by_key), key="cfg_device", format_func=lambda k: by_key[k].device)
summary = by_key[picked]
history = versions(ctx.engine, picked)
st.subheader(summary.device)
st.dataframe(versions_frame(history), hide_index=True, key="cfg_versions")

by_id = {v.id: v for v in history}
cols = st.columns([3, 1, 1], vertical_alignment="bottom")
chosen = cols[0].selectbox("Version", list(by_id), key="cfg_version", format_func=lambda i: version_label(by_id[i]))
version = by_id[chosen]
if cols[1].button("Release as baseline", key="cfg_release", disabled=version.baseline,
                  help="This version becomes the configuration the switch should have"):
    try:
        released = release_baseline(ctx.engine, version.id, who=ctx.user)
    except OtriskError as exc:
        show_error(exc)
    else:
        ss["cfg_flash"] = f"Released version {released.id} of {released.device} as its baseline."
        st.rerun()
cols[2].download_button("Download", data=version_text(ctx.engine, version.id), file_name=version.file_name,
                        mime="text/plain", on_click="ignore", key="cfg_download",
                        help="The file exactly as imported")
if summary.baseline is not None:
    st.download_button(f"Restore: download the released baseline (version {summary.baseline.id}) unchanged",
                       data=version_text(ctx.engine, summary.baseline.id), file_name=summary.baseline.file_name,
                       mime="text/plain", on_click="ignore", key="cfg_download_baseline")

# --- Diff baseline → latest ---------------------------------------------------------------------
st.header("Baseline → latest")
base, latest = summary.baseline, summary.latest
if base is None:
    st.info(md_escape(f"{summary.device} has no released baseline: release a version above to compare the "
                      "latest import with it."))
elif base.id == latest.id:
    st.info(md_escape(f"The latest version of {summary.device} is its released baseline: nothing to compare."))
else:
    st.markdown(f"Baseline {md_code(version_label(base))} → latest {md_code(version_label(latest))}")
    base_text, latest_text = decode(version_text(ctx.engine, base.id)), decode(version_text(ctx.engine, latest.id))
    try:
        ports, others = port_changes_frame(parse_config(base_text, name=base.file_name),
                                           parse_config(latest_text, name=latest.file_name))
    except ConfigError as exc:
        st.error(md_escape(str(exc)))
    else:
        st.subheader("Changed ports")
        if len(ports):
            st.dataframe(ports, hide_index=True, key="cfg_ports")
        else:
            st.info("No switchport changed.")
        st.subheader("Other changes")
        if len(others):
            st.dataframe(others, hide_index=True, key="cfg_other")
        else:
            st.caption("No VLAN, SVI, routed interface or routing change.")
    st.subheader("Text")
    side = side_by_side_frame(base_text, latest_text)
    if len(side):
        st.caption("Changed lines with three lines around them: − removed, + added, ≠ changed; … skips lines.")
        st.dataframe(side, hide_index=True, key="cfg_text_diff")
        with st.expander("Unified diff"):
            st.code(unified_diff(base_text, latest_text, before_name=f"baseline #{base.id} {base.file_name}",
                                 after_name=f"latest #{latest.id} {latest.file_name}"), language="diff")
    else:
        st.caption("The texts are identical.")

# --- Findings -----------------------------------------------------------------------------------
st.header("Zone crossings and changes outside the change windows")
st.caption("All switches: zone pairs that can talk through a switch in the latest configurations but not in "
           "the released baselines, and changes stated outside the site's change windows; worst first (the "
           "highest effective impact of the assets involved). Conduit status: bypasses_approved = a parallel "
           "path around an approved conduit's boundary devices, matches_unapproved = realises a conduit nobody "
           "approved, none = no conduit between the zones.")
findings = crossings(ctx, store_revision(ctx.engine), baseline_devices(ctx.engine), current_devices(ctx.engine))
if findings:
    st.dataframe(crossings_frame(findings), hide_index=True, key="cfg_findings",
                 column_config={"message": st.column_config.TextColumn(width="large")})
    st.caption("Worst effective: production/safety/delivery, ? = unknown. Accepting a finding: the Findings page.")
else:
    st.success("No new zone crossing and no change outside the change windows.")

"""Zones and conduits: edit both tables (renames carried into every reference), exposure and reach."""

import streamlit as st

from otrisk import db
from otrisk.errors import OtriskError
from otrisk.ui import md_escape, setup_page, show_error
from otrisk.ui.frames import changes_text
from otrisk.ui.zone_ui import (
    conduit_column_config,
    conduits_frame,
    problems_markdown,
    reach_frame,
    records,
    zone_column_config,
    zones_frame,
)
from otrisk.zone_edit import CONDUIT_COLUMNS, ZONE_COLUMNS, apply_edits

ctx = setup_page("Zones and conduits", "🧱")
ss = st.session_state

st.title("Zones and conduits")
if "zc_flash" in ss:
    st.success(md_escape(ss.pop("zc_flash")))
st.caption("IEC 62443-3-2 zones (assets that share security requirements) and the conduits between them. "
           "Lists are comma-separated; SL-T and SL-A 0..4, empty = unknown. Renaming a zone updates every "
           "asset, interface, conduit, evidence item and accepted finding that names it; a zone still named "
           "somewhere cannot be deleted. Nothing is stored until you press Save.")


def restart_editing() -> None:
    """Start both tables again from the stored plant (new editor keys drop the edits)."""
    ss.pop("zc_base", None)
    ss["zc_nonce"] = ss.get("zc_nonce", 0) + 1


# Both tables are edited against the plant as it was when editing began: a save names that
# revision, so a save over someone else's change is refused, never merged.
if "zc_base" not in ss:
    ss["zc_base"] = (ctx.plant, ctx.revision)
base_plant, base_revision = ss["zc_base"]
nonce = ss.get("zc_nonce", 0)

if ctx.revision != base_revision:
    st.warning(
        f"The stored plant changed since you started editing (revision {base_revision} → "
        f"{ctx.revision}). Your edits are kept here, but saving them will be refused. "
        "Reload to start again from the stored plant (this discards your edits)."
    )
    if st.button("Reload the tables", key="zc_reload"):
        restart_editing()
        st.rerun()

st.header("Zones")
zones_edited = st.data_editor(zones_frame(base_plant), key=f"zc_zones_{nonce}", num_rows="dynamic",
                              hide_index=True, column_order=ZONE_COLUMNS, column_config=zone_column_config(),
                              alt="Zones")
st.header("Conduits")
conduits_edited = st.data_editor(conduits_frame(base_plant), key=f"zc_conduits_{nonce}", num_rows="dynamic",
                                 hide_index=True, column_order=CONDUIT_COLUMNS,
                                 column_config=conduit_column_config(), alt="Conduits")
result = apply_edits(base_plant, records(zones_edited), records(conduits_edited))

if result.problems:
    st.error(problems_markdown(result.problems))
for note in result.notes:
    st.info(md_escape(note))
summary = ""
if result.plant is not None and result.changed:
    carried = [f"zone {old} renamed to {new} (references updated)" for old, new in sorted(result.zone_renames.items())]
    carried += [f"conduit {old} renamed to {new}" for old, new in sorted(result.conduit_renames.items())]
    summary = "; ".join([*carried, changes_text(db.plant_changes(base_plant, result.plant))])
    st.info("Unsaved changes: " + md_escape(summary))

buttons = st.container(horizontal=True)
save = buttons.button("Save", type="primary", key="zc_save", disabled=bool(result.problems) or not result.changed)
if buttons.button("Discard edits", key="zc_discard", disabled=not result.changed and not result.problems):
    restart_editing()
    st.rerun()
if save and result.plant is not None and not result.problems:
    try:
        revision = db.save_plant_db(ctx.engine, result.plant, expected_revision=base_revision, who=ctx.user,
                                    summary=summary)
    except OtriskError as exc:
        show_error(exc)  # a stale save: the edited tables stay as they are
    else:
        restart_editing()
        ss["zc_flash"] = f"Saved as revision {revision}."
        st.rerun()

st.header("Exposure and reach")
shown_plant = result.plant if result.plant is not None and result.changed else ctx.plant
st.caption(("With your unsaved edits. " if shown_plant is not ctx.plant else f"Revision {ctx.revision}. ")
           + "Exposure: 3 = an external or remote-access zone, or reachable from one; 2 = reachable from an "
             "enterprise zone; 1 = reached from another zone; 0 = nothing reaches it. Reach follows the "
             "conduits in the direction they allow; unapproved conduits count (they exist) and are named.")
st.dataframe(reach_frame(shown_plant), hide_index=True, key="zc_reach",
             column_config={"exposure": st.column_config.NumberColumn(format="%d"),
                            "why": st.column_config.TextColumn(width="large"),
                            "reachable zones": st.column_config.TextColumn(width="large")})

"""Systems and dependencies: edit the assets, import and export the plant file, change log."""

import math

import streamlit as st

from otrisk import db
from otrisk.errors import OtriskError, PlantFileError, StaleDataError
from otrisk.graphimport import asset_id_for
from otrisk.plantfile import loads_plant
from otrisk.settings import get_setting
from otrisk.ui import md_code, md_escape, setup_page, show_error
from otrisk.ui.cache import plant_text
from otrisk.ui.editor import EDITOR_COLUMNS, assets_frame, column_config, plant_from_frame
from otrisk.ui.frames import change_log_frame, changes_frame, changes_text, section_counts

ctx = setup_page("Systems and dependencies", "🧩")
ss = st.session_state

st.title("Systems and dependencies")
if "sys_flash" in ss:
    st.success(md_escape(ss.pop("sys_flash")))


def restart_editing() -> None:
    """Start the table again from the stored plant (a new editor key drops the edits)."""
    ss.pop("sys_base", None)
    ss["sys_nonce"] = ss.get("sys_nonce", 0) + 1


# The table is edited against the plant as it was when editing began: its revision is the
# one a save names, so a save over someone else's change is refused, never merged.
if "sys_base" not in ss:
    ss["sys_base"] = (ctx.plant, ctx.revision)
base_plant, base_revision = ss["sys_base"]

st.header("Assets")
st.caption("Add, change or delete rows; lists are comma-separated asset ids. Ratings 1..5, "
           "empty = unknown. Nothing is stored until you press Save.")
if ctx.revision != base_revision:
    st.warning(
        f"The stored plant changed since you started editing (revision {base_revision} → "
        f"{ctx.revision}). Your edits are kept here, but saving them will be refused. "
        "Reload to start again from the stored plant (this discards your edits)."
    )
    if st.button("Reload the table", key="sys_reload"):
        restart_editing()
        st.rerun()

edited = st.data_editor(
    assets_frame(base_plant),
    key=f"sys_assets_{ss.get('sys_nonce', 0)}",
    num_rows="dynamic",
    hide_index=True,
    column_order=EDITOR_COLUMNS,
    column_config=column_config(base_plant),
    alt="Assets",
)
result = plant_from_frame(base_plant, edited)

if result.problems:
    n = len(result.problems)
    st.error(
        f"{n} problem{'s' if n != 1 else ''} in the table; nothing can be saved until "
        f"{'they are' if n != 1 else 'it is'} fixed:\n\n"
        + "\n".join(f"- {md_code(p)}" for p in result.problems)
    )
elif result.changed:
    st.info("Unsaved changes: " + md_escape(changes_text(db.plant_changes(base_plant, result.plant))))

buttons = st.container(horizontal=True)
save = buttons.button("Save", type="primary", key="sys_save",
                      disabled=bool(result.problems) or not result.changed)
if buttons.button("Discard edits", key="sys_discard", disabled=not result.changed and not result.problems):
    restart_editing()
    st.rerun()
if save and result.plant is not None and not result.problems:
    try:
        revision = db.save_plant_db(ctx.engine, result.plant, expected_revision=base_revision, who=ctx.user)
    except StaleDataError as exc:
        show_error(exc)  # the edited table stays as it is
    except OtriskError as exc:
        show_error(exc)
    else:
        restart_editing()
        ss["sys_flash"] = f"Saved as revision {revision}."
        st.rerun()

st.header("Import a plant file")
st.caption("Replaces the whole stored plant with an otrisk/v1 file, after a preview and your "
           "confirmation. A file with problems changes nothing.")
upload = st.file_uploader("Plant file (otrisk/v1 YAML)", type=["yaml", "yml"],
                          key=f"sys_upload_{ss.get('sys_upload_nonce', 0)}",
                          max_upload_size=max(1, math.ceil(get_setting("plant_file_max_bytes") / 2**20)))
if upload is not None:
    try:
        incoming = loads_plant(upload.getvalue(), source=upload.name)
    except PlantFileError as exc:
        show_error(exc)
    else:
        # The revision the preview was shown against (the previous run) is the one the
        # import names: a save by someone else in between makes it fail, not overwrite.
        seen = ss.get("sys_upload_seen")
        expected = seen[1] if seen and seen[0] == upload.file_id else ctx.revision
        ss["sys_upload_seen"] = (upload.file_id, ctx.revision)
        details = db.plant_changes(ctx.plant, incoming)
        st.subheader(f"Preview of {md_escape(upload.name)}")
        left, right = st.columns([1, 2])
        left.dataframe(section_counts(ctx.plant, incoming), hide_index=True)
        if details:
            right.dataframe(changes_frame(details), hide_index=True)
        else:
            right.info(f"The file is the same as the stored plant (revision {ctx.revision}).")
        if result.changed:
            st.warning("Importing discards your unsaved edits in the table above.")
        removed = (details.get("assets") or {}).get("removed") or []
        sure = True
        if ctx.plant.assets and len(removed) * 2 >= len(ctx.plant.assets):
            # Replacing most of a plant is rarely meant: a wrong file, an empty export.
            st.warning(f"This file removes {len(removed)} of the {len(ctx.plant.assets)} stored assets.")
            sure = st.checkbox(f"Yes, remove {len(removed)} assets", key="sys_import_sure")
        if st.button(f"Replace the stored plant (revision {ctx.revision}) with this file",
                     type="primary", key="sys_import_confirm", disabled=not details or not sure):
            try:
                revision = db.save_plant_db(
                    ctx.engine, incoming, expected_revision=expected, who=ctx.user, action="import",
                    summary=f"imported {upload.name}: {changes_text(details)}",
                )
            except OtriskError as exc:
                show_error(exc)
            else:
                ss.pop("sys_upload_seen", None)
                ss["sys_upload_nonce"] = ss.get("sys_upload_nonce", 0) + 1
                restart_editing()
                ss["sys_flash"] = f"Imported {upload.name} as revision {revision}."
                st.rerun()

st.header("Export")
slug = asset_id_for(ctx.plant.site.name)  # "Mühlbach brewery" -> "muhlbach-brewery"
st.download_button(
    f"Download the stored plant (revision {ctx.revision}) as a plant file",
    data=plant_text(ctx), file_name=f"{slug}-r{ctx.revision}.yaml", mime="application/yaml",
    on_click="ignore", key="sys_download",
)

st.header("Change log")
try:
    entries = db.change_log(ctx.engine, limit=100)
except OtriskError as exc:
    show_error(exc)
else:
    st.dataframe(change_log_frame(entries), hide_index=True,
                 column_config={"what": st.column_config.TextColumn(width="large")})

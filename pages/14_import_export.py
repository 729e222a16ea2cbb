"""Import and export: bulk import of assets from CSV/Excel (column mapping, preview, one confirmed
transaction), other formats (a Threagile model merged into or replacing the plant; CISO Assistant
framework libraries stored for the Program map), the plant file and its JSON Schema, and the audit
evidence pack."""

import math

import streamlit as st

from otrisk import db
from otrisk.bulkimport import apply_import, suggest_mapping
from otrisk.bulkread import MAX_BYTES
from otrisk.errors import OtriskError, StaleDataError
from otrisk.evidence import today_utc
from otrisk.libraries import (
    LIBRARY_MAX_BYTES,
    delete_library,
    import_library,
    is_iec_62443_2_1,
    map_to_ours,
    read_library,
    stored_libraries,
)
from otrisk.plantfile import schema_text
from otrisk.threagile import THREAGILE_MAX_BYTES
from otrisk.ui import md_code, md_escape, setup_page, show_error
from otrisk.ui.cache import plant_text
from otrisk.ui.import_ui import (
    FIELD_CHOICES,
    HTML_MIME,
    XLSX_MIME,
    audit_pack,
    field_label,
    file_key,
    first_rows_frame,
    forget_import,
    mapping_key,
    pack_version,
    plant_file_name,
    read_upload,
    rows_frame,
    shown_preview,
    table_summary,
    template_csv,
)
from otrisk.ui.interop_ui import (
    IMPACT_EDITOR,
    MODES,
    confirmed_impacts,
    impact_frame,
    import_counts,
    libraries_frame,
    plan_merge,
    plant_to_store,
    read_threagile,
    removed_by_replace,
    seen_revision,
    short_key,
)

ctx = setup_page("Import and export", "🔁")
ss = st.session_state

st.title("Import and export")
if "ie_flash" in ss:
    st.success(md_escape(ss.pop("ie_flash")))

# --- Bulk import of assets ----------------------------------------------------------------------
st.header("Bulk import of assets")
st.caption("Add or update assets from a CSV file or an Excel workbook (an inventory export, a spreadsheet). "
           "A row updates the asset with its id, else its IP, else its MAC, else (without an id) its name; "
           "otherwise it creates one, so importing the same file again changes nothing. Empty cells never "
           "clear a value. Nothing is written until you confirm; then all rows are saved as one revision.")
st.download_button("Download a template CSV", data=template_csv(), file_name="otrisk-assets-template.csv",
                   mime="text/csv", on_click="ignore", key="ie_template",
                   help="One column per field the import knows; English and German names like "
                        "'Gerätename' or 'IP-Adresse' are recognised, too.")
nonce = ss.get("ie_nonce", 0)
upload = st.file_uploader("Asset table (CSV or Excel .xlsx)", type=["csv", "txt", "tsv", "xlsx", "xlsm", "xls"],
                          key=f"ie_upload_{nonce}", max_upload_size=max(1, math.ceil(MAX_BYTES / 2**20)),
                          help="CSV in UTF-8, UTF-16, Windows-1252 or Latin-1, separated by comma, semicolon "
                               "or tab (detected), or an .xlsx workbook.")


def bulk_import(upload) -> None:
    """The wizard for one uploaded file: read, map, preview, confirm."""
    try:
        table = read_upload(ss, upload.file_id, upload.getvalue(), upload.name)
        if len(table.sheets) > 1:
            sheet = st.selectbox("Sheet", table.sheets, key=f"ie_sheet_{file_key(upload.file_id)}")
            table = read_upload(ss, upload.file_id, upload.getvalue(), upload.name, sheet=sheet)
    except OtriskError as exc:
        show_error(exc)
        return
    fkey = file_key(upload.file_id, table.sheet)
    st.markdown(f"**{md_escape(upload.name)}**: {md_escape(table_summary(table))}. The first rows as read:")
    st.dataframe(first_rows_frame(table), hide_index=False)

    st.subheader("Column mapping")
    st.caption("The field each column fills, suggested from its name; “not imported” ignores the column. "
               "A row needs at least one of id, name, ip, mac. criticality fills every impact axis that "
               "has no column of its own.")
    suggested = suggest_mapping(table.columns)
    grid = st.columns(4)
    mapping = {column: grid[i % 4].selectbox(md_escape(column), FIELD_CHOICES,
                                             index=FIELD_CHOICES.index(suggested[column] or ""),
                                             format_func=field_label, key=mapping_key(fkey, i)) or None
               for i, column in enumerate(table.columns)}
    zones_create = st.checkbox("Create unknown zones (needs a zone kind column)", key="ie_zones_create",
                               help="A row naming a zone the plant does not have creates it when the row "
                                    "gives the zone's kind; otherwise such a row is an error.")
    try:
        shown = shown_preview(ss, ctx.plant, ctx.revision, table, upload.file_id, mapping,
                              zones_create=zones_create)
    except OtriskError as exc:
        show_error(exc)
        return
    pv = shown.preview

    st.subheader("Preview")
    if shown.moved:
        st.warning(f"The stored plant changed since the last preview (revision {shown.expected} → "
                   f"{shown.revision}). The preview below is against revision {shown.revision}.")
    metrics = st.columns(4)
    metrics[0].metric("Create", pv.created)
    metrics[1].metric("Update", pv.updated)
    metrics[2].metric("Unchanged", pv.unchanged)
    metrics[3].metric("Errors", pv.errors, help="Rows that are not imported; the table names column and value")
    if pv.zones_created:
        st.info(md_escape(f"Zones created: {', '.join(pv.zones_created)}."))
    st.dataframe(rows_frame(pv), hide_index=True, key="ie_rows",
                 column_config={"problems": st.column_config.TextColumn(width="large"),
                                "changes": st.column_config.TextColumn(width="large")})

    skip = st.checkbox("Skip rows with errors", key=f"ie_skip_{nonce}", disabled=pv.ok,
                       help="Import the other rows; rows with errors (and rows that refer to them) are left out.")
    if pv.errors and not skip:
        st.warning(f"{pv.errors} row{'s have' if pv.errors != 1 else ' has'} errors: fix the file and upload "
                   "it again, or skip those rows.")
    if shown.nothing:
        st.info(f"Nothing to import: the file matches the stored plant (revision {shown.revision}).")
    if st.button("Confirm import", type="primary", key="ie_confirm",
                 disabled=shown.nothing or (pv.errors > 0 and not skip),
                 help=f"Saves the previewed changes as one new revision after revision {shown.expected}."):
        try:
            revision = apply_import(ctx.engine, pv, expected_revision=shown.expected, who=ctx.user,
                                    skip_errors=skip)
        except StaleDataError as exc:
            show_error(exc)
            st.error(f"Nothing was written. The preview above now shows the stored revision {shown.revision}: "
                     "check it and confirm again.")
        except OtriskError as exc:
            show_error(exc)
        else:
            skipped = f", {pv.errors} row(s) with errors skipped" if pv.errors else ""
            zones = f", {len(pv.zones_created)} zone(s) created" if pv.zones_created else ""
            ss["ie_flash"] = (f"Imported {upload.name} as revision {revision}: {pv.created} asset(s) created, "
                              f"{pv.updated} updated{zones}{skipped}.")
            forget_import(ss)
            ss["ie_nonce"] = nonce + 1  # a fresh uploader: the imported file is done
            st.rerun()


if upload is None:
    forget_import(ss)
else:
    bulk_import(upload)

# --- Other formats ------------------------------------------------------------------------------
st.header("Other formats")
if "ie_other_flash" in ss:
    st.success(md_escape(ss.pop("ie_other_flash")))
other_nonce = ss.get("ie_other_nonce", 0)

st.subheader("Threagile model")
st.caption("A Threagile model (threagile.yaml) becomes zones from its trust boundaries, assets from its "
           "technical assets, dependencies and unapproved conduits from its communication links. "
           "**Merge** adds the zones, conduits and assets whose id the stored plant does not have; an id that "
           "exists is left alone (the stored item stays as it is, and added items that name that id refer to "
           "it). **Replace** makes the stored plant the imported model: site, zones, conduits and assets, "
           "and removes its evidence, assessments, actions and accepted findings (for starting a plant from "
           "a Threagile model). The impacts suggested from the model's availability and integrity ratings are "
           "written into the assets' impact only for the rows ticked “use”. Nothing is written until you "
           "confirm; then it is one revision.")
model = st.file_uploader("Threagile model (YAML)", type=["yaml", "yml"], key=f"ie_other_tg_upload_{other_nonce}",
                         max_upload_size=max(1, math.ceil(THREAGILE_MAX_BYTES / 2**20)))


def threagile_import(upload) -> None:
    """Show what the model becomes, let the user confirm impacts and the mode, then save once."""
    try:
        result = read_threagile(ss, upload.file_id, upload.getvalue(), upload.name)
    except OtriskError as exc:
        show_error(exc)
        return
    counts = import_counts(result)
    st.markdown(f"**{md_escape(upload.name)}** becomes the site {md_code(result.plant.site.name)} with:")
    metrics = st.columns(len(counts))
    for column, (label, value) in zip(metrics, counts.items()):
        column.metric(label, value)
    if result.notes:
        with st.expander(f"Notes on the import ({len(result.notes)})", expanded=True):
            for note in result.notes:
                st.markdown(f"- {md_escape(note)}")
    mode = st.radio("Into the stored plant", MODES, horizontal=True, key="ie_other_tg_mode",
                    format_func=lambda m: {"merge": "Merge (add new ids)", "replace": "Replace the plant"}[m])
    if mode == "merge":
        plan = plan_merge(ctx.plant, result.plant)
        written = plan.assets
        st.markdown(md_escape(f"Adds {len(plan.assets)} assets, {len(plan.zones)} zones and "
                              f"{len(plan.conduits)} conduits to revision {ctx.revision}."))
        if plan.existing_text():
            st.info(md_escape(f"Left alone, because these ids exist already: {plan.existing_text()}."))
        if plan.nothing:
            st.info("Nothing to merge: every id of the model exists in the stored plant.")
            return
    else:
        written = tuple(a.id for a in result.plant.assets)
        removed = removed_by_replace(ctx.plant)
        gone = ", ".join(f"{n} {what}" for what, n in removed.items()) or "nothing"
        st.warning(md_escape(f"Replacing removes everything of the stored plant (revision {ctx.revision}): "
                             f"{gone}. Download the plant file (Export, below) first if you may want it back."))
    fkey = short_key(upload.file_id, mode)
    st.markdown("**Impacts to write** (if the asset is lost, 1..5; empty = unknown). Suggested from the model; "
                "untick “use” to leave an asset's impact unknown.")
    edited = st.data_editor(impact_frame(result, written), key=f"ie_other_tg_impacts_{fkey}", hide_index=True,
                            num_rows="fixed", placeholder="unknown", column_config=IMPACT_EDITOR)
    try:
        impacts = confirmed_impacts(edited)
    except OtriskError as exc:
        show_error(exc)
        return
    expected = seen_revision(ss, (upload.file_id, mode), ctx.revision)
    sure = mode == "merge" or st.checkbox("Yes, replace the stored plant", key=f"ie_other_tg_sure_{fkey}")
    if st.button("Confirm the Threagile import", type="primary", key="ie_other_tg_confirm",
                 disabled=not sure,
                 help=f"Saves one new revision after revision {expected}."):
        plant, summary = plant_to_store(ctx.plant, result, mode, impacts)
        try:
            revision = db.save_plant_db(ctx.engine, plant, expected_revision=expected, who=ctx.user,
                                        summary=summary, action="import")
        except StaleDataError as exc:
            show_error(exc)
            st.error(f"Nothing was written. The page now shows the stored revision {ctx.revision}: check what "
                     "the import does to it and confirm again.")
        except OtriskError as exc:
            show_error(exc)
        else:
            ss["ie_other_flash"] = f"Imported {upload.name} as revision {revision}. {summary}."
            ss["ie_other_nonce"] = other_nonce + 1
            st.rerun()


if model is None:
    ss.pop("ie_other_tg_read", None)
else:
    threagile_import(model)

st.subheader("CISO Assistant framework library")
st.caption("Load your own copy of a CISO Assistant framework library (e.g. iec-62443-2-1-2024.yaml) to see its "
           "requirement names beside our ids on the Program map. The file stays with you: its texts are kept "
           "in this database only, and otrisk ships none of them (the standard's text is copyrighted). "
           "Storing a library again replaces the earlier copy.")
lib_upload = st.file_uploader("Framework library (YAML)", type=["yaml", "yml"],
                              key=f"ie_other_lib_upload_{other_nonce}",
                              max_upload_size=max(1, math.ceil(LIBRARY_MAX_BYTES / 2**20)))


def library_import(upload) -> None:
    """Show what the library holds and store it on confirmation."""
    try:
        library = read_library(upload.getvalue(), source=upload.name)
    except OtriskError as exc:
        show_error(exc)
        return
    mapped = len(map_to_ours(library))
    facts = [f"**{md_escape(library.name)}**", f"version {md_code(library.version or 'not given')}",
             f"{len(library.nodes)} nodes", f"{mapped} of them map onto our IEC 62443-2-1 ids"]
    st.markdown(" · ".join(facts))
    st.markdown(f"Copyright as given: {md_escape(library.copyright or '(none given)')}")
    if not is_iec_62443_2_1(library):
        st.info("This is not an IEC 62443-2-1 library: it can be stored, but none of its nodes shows on the "
                "Program map.")
    if st.button("Store in this database", type="primary", key="ie_other_lib_store"):
        try:
            stored = import_library(ctx.engine, library, who=ctx.user)
        except OtriskError as exc:
            show_error(exc)
        else:
            replaced = f", replacing {stored.replaced} stored nodes" if stored.replaced else ""
            ss["ie_other_flash"] = (f"Stored the library {stored.library_name}: {stored.nodes} nodes, "
                                    f"{stored.mapped} mapped onto our ids{replaced}.")
            ss["ie_other_nonce"] = other_nonce + 1
            st.rerun()


if lib_upload is not None:
    library_import(lib_upload)

try:
    libraries = stored_libraries(ctx.engine)
except OtriskError as exc:
    show_error(exc)
    libraries = []
if libraries:
    st.markdown("**Stored libraries**")
    st.dataframe(libraries_frame(libraries), hide_index=True, key="ie_other_libraries")
    for lib in libraries:
        if st.button(md_escape(f"Delete {lib.name}"), key=f"ie_other_lib_delete_{short_key(lib.urn)}",
                     help="Removes the library's texts from this database (the change log records it)."):
            try:
                removed = delete_library(ctx.engine, lib.urn, who=ctx.user)
            except OtriskError as exc:
                show_error(exc)
            else:
                ss["ie_other_flash"] = f"Deleted the library {lib.name} ({removed} nodes)."
                st.rerun()

# --- Export -------------------------------------------------------------------------------------
st.header("Export")
st.caption("The stored plant as an otrisk/v1 plant file (keep it in git; import it on Systems and "
           "dependencies), and the JSON Schema of the format for editors and other tools.")
exports = st.container(horizontal=True)
exports.download_button(f"Download the plant file (revision {ctx.revision})", data=plant_text(ctx),
                        file_name=plant_file_name(ctx), mime="application/yaml", on_click="ignore",
                        key="ie_plant_download")
exports.download_button("Download the JSON Schema of otrisk/v1", data=schema_text(),
                        file_name="otrisk-v1.schema.json", mime="application/schema+json", on_click="ignore",
                        key="ie_schema_download")

# --- Audit evidence pack ------------------------------------------------------------------------
st.header("Audit evidence pack")
st.caption("An Excel workbook with every field of the plant next to the computed figures, and a printable "
           "HTML report, for an auditor; with the switch configuration versions stored here as operational "
           "evidence (the same files as `otrisk report PLANT --db URL`).")
as_of = st.date_input("As of", value=today_utc(), key="ie_as_of", format="YYYY-MM-DD",
                      help="Freshness, maturity now and overdue actions are judged on this day.") or today_utc()
version = pack_version(ctx, as_of)
if st.button("Build the audit pack", key="ie_pack_build"):
    ss["ie_pack_for"] = version
if ss.get("ie_pack_for") == version:
    try:
        files = audit_pack(ctx, version)
    except OtriskError as exc:
        show_error(exc)
    else:
        st.caption(f"Built for revision {ctx.revision} as of {as_of.isoformat()}.")
        downloads = st.container(horizontal=True)
        downloads.download_button("Download the workbook (.xlsx)", data=files.xlsx, file_name=files.xlsx_name,
                                  mime=XLSX_MIME, on_click="ignore", key="ie_pack_xlsx")
        downloads.download_button("Download the HTML report", data=files.html, file_name=files.html_name,
                                  mime=HTML_MIME, on_click="ignore", key="ie_pack_html")
elif "ie_pack_for" in ss:
    st.info("The plant, the stored switch configurations or the as-of day changed since the pack was built: "
            "build it again.")

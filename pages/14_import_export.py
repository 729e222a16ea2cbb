"""Import and export: bulk import of assets from CSV/Excel (column mapping, preview, one confirmed
transaction), the plant file and its JSON Schema, and the audit evidence pack."""

import math

import streamlit as st

from otrisk.bulkimport import apply_import, suggest_mapping
from otrisk.bulkread import MAX_BYTES
from otrisk.errors import OtriskError, StaleDataError
from otrisk.evidence import today_utc
from otrisk.plantfile import schema_text
from otrisk.ui import md_escape, setup_page, show_error
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
# Reserved: the "Other formats" section (Threagile, CISO Assistant importers) goes here, between
# the bulk import and the export. Keys prefixed ie_other_.

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

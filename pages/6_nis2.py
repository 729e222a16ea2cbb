"""NIS2 (being built)."""

import streamlit as st

from otrisk.ui import setup_page

ctx = setup_page("NIS2", "🇪🇺")
st.title("NIS2")

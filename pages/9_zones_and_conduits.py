"""Zones and conduits (being built)."""

import streamlit as st

from otrisk.ui import setup_page

ctx = setup_page("Zones and conduits", "🧱")
st.title("Zones and conduits")

"""Program map (being built)."""

import streamlit as st

from otrisk.ui import setup_page

ctx = setup_page("Program map", "🗺️")
st.title("Program map")

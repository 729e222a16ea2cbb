"""otrisk: OT security risk prioritization and IEC 62443-2-1 readiness.

The package is the domain: the plant model (`otrisk/v1` files), the impact engine,
storage and the command line. Only :mod:`otrisk.ui` imports Streamlit.
"""

__version__ = "0.1.0"

"""Reference data and the demo plant, shipped inside the package as ``otrisk.data``."""

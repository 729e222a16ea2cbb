"""Cell text of an asset table read as values, for :mod:`otrisk.bulkread` and :mod:`otrisk.bulkimport`.

Each function takes one stripped cell: :func:`parse_ip` and :func:`parse_mac` give the text
to store and a canonical form to compare, :func:`parse_rating` a rating 1..5 from a digit or
an English or German word, :func:`asset_type_for` an asset type from a common word (a type
word we do not list is read as a Malcolm/NetBox device role), and :func:`plain_words` the
form in which such words are compared. A cell that is not a value of its kind raises
:class:`ValueError` with a message for the user (:func:`asset_type_for` gives None instead).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from otrisk.deviceroles import (
    ROLE_ALIASES,
    ROLE_TYPES,
    normalize_role,
    role_to_asset_type,
)
from otrisk.models import AssetType

__all__ = ["asset_type_for", "parse_ip", "parse_mac", "parse_rating", "plain_words"]

_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "plc": ("sps", "controller", "steuerung", "programmable logic controller", "cpu"),
    "sis": ("safety", "safety plc", "safety controller", "safety instrumented system", "f cpu", "sicherheitssteuerung"),
    "hmi": ("operator panel", "operator station", "panel", "bedienpanel", "bediengerät", "human machine interface"),
    "scada": ("scada server", "leitsystem", "dcs"),
    "historian": ("data historian",),
    "ews": ("engineering workstation", "engineering station", "engineering pc", "es"),
    "server": ("virtual machine", "vm", "windows server"),
    "switch": ("network switch", "l2 switch", "l3 switch"),
    "firewall": ("fw", "security appliance"),
    "rtu": ("remote terminal unit",),
    "drive": ("vfd", "variable frequency drive", "frequency converter", "frequenzumrichter", "umrichter", "antrieb"),
    "iiot": ("iot", "edge", "edge device", "sensor"),
    "service": ("cloud service", "cloud"),
}
_RATING_WORDS = {"very low": 1, "sehr niedrig": 1, "low": 2, "niedrig": 2, "gering": 2, "medium": 3, "mittel": 3,
                 "high": 4, "hoch": 4, "critical": 5, "kritisch": 5, "very high": 5, "sehr hoch": 5}
_MAC = re.compile(r"^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$|^([0-9a-f]{4}\.){2}[0-9a-f]{4}$|^[0-9a-f]{12}$", re.IGNORECASE)


def plain_words(text: str) -> str:
    """Text compared as words: accents dropped, case folded, ``_``/``-`` as spaces, spacing collapsed."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace("_", " ").replace("-", " ").split())


_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"^{_OCTET}(\.{_OCTET}){{3}}$")
_TYPE = {plain_words(w): t for t, words in _TYPE_WORDS.items() for w in words} | {t.value: t.value for t in AssetType}


def asset_type_for(text: str) -> str | None:
    """The asset type a word names (``SPS`` → ``plc``, ``VFD`` → ``drive``), else None.

    A word our own table does not know is read as a device role (Malcolm/NetBox names and
    slugs, :func:`otrisk.deviceroles.role_to_asset_type`): ``Safety automation system`` →
    ``sis``, ``switch-l3`` → ``switch``, ``IED`` → ``plc``. A role that has no type of ours
    (``Printer``) gives ``other``; a word that is neither gives None.

    >>> asset_type_for("SPS"), asset_type_for("Safety automation system"), asset_type_for("toaster")
    ('plc', 'sis', None)
    """
    found = _TYPE.get(plain_words(text))
    if found is not None:
        return found
    role = normalize_role(text)
    if ROLE_ALIASES.get(role, role) in ROLE_TYPES:
        return role_to_asset_type(text)[0]
    return None


def parse_ip(text: str) -> tuple[str, str]:
    """``(text to store, canonical form)``; an ``address/prefix`` keeps the address.

    >>> parse_ip("10.0.0.1/24"), parse_ip("FE80::0:1")
    (('10.0.0.1', '10.0.0.1'), ('FE80::0:1', 'fe80::1'))
    """
    if _IPV4.fullmatch(text):  # the common case, without ipaddress's slower parser
        return text, text
    try:
        address = ipaddress.ip_interface(text).ip if "/" in text else ipaddress.ip_address(text)
    except ValueError:
        raise ValueError("not an IP address") from None
    return (text.split("/", 1)[0] if "/" in text else text), str(address)


def parse_mac(text: str) -> tuple[str, str]:
    """``(text to store, canonical form)``; 12 bare hex digits are stored as ``aa:bb:…``."""
    if not _MAC.fullmatch(text):
        raise ValueError("not a MAC address (aa:bb:cc:dd:ee:ff, aa-bb-…, aabb.ccdd.eeff)")
    canon = re.sub(r"[^0-9a-f]", "", text.lower())
    stored = text if len(text) > 12 else ":".join(canon[i:i + 2] for i in range(0, 12, 2))
    return stored, canon


def parse_rating(text: str) -> int:
    """A rating 1..5 from a digit or a word (very low 1, low 2, medium 3, high 4, critical 5)."""
    if text in {"1", "2", "3", "4", "5"}:
        return int(text)
    if plain_words(text) in _RATING_WORDS:
        return _RATING_WORDS[plain_words(text)]
    raise ValueError("not a rating: 1..5 or very low, low, medium, high, critical")

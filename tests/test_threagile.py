"""Threagile model → plant (otrisk.threagile), on Threagile's real example model and tiny inline ones."""

from __future__ import annotations

import textwrap

import pytest
from conftest import realdata

from otrisk.models import reference_problems
from otrisk.plantfile import dumps_plant, loads_plant
from otrisk.threagile import THREAGILE_MAX_BYTES, ThreagileError, threagile_to_plant

EXAMPLE = "threagile/threagile.yaml"


@pytest.fixture(scope="module")
def example():
    path = realdata(EXAMPLE)
    return threagile_to_plant(path.read_bytes(), source=str(path))


def test_example_counts(example):
    plant = example.plant
    assert len(plant.assets) == 14  # 14 technical_assets
    # 5 trust boundaries + the added 'internet' zone (customer-client, external-dev-client)
    assert [z.id for z in plant.zones] == ["application-network", "auth-env", "dev-network", "erp-dmz",
                                           "internet", "web-dmz"]
    # 20 links; external-dev-client -> git-repo twice (ssh, https): 19 distinct dependencies
    assert sum(len(a.depends_on) for a in plant.assets) == 19
    assert len(plant.conduits) == 8  # 16 cross-zone links over 8 zone pairs
    assert plant.site.name == "Some Example Application"


def test_example_zones_and_kinds(example):
    kinds = {z.id: z.kind for z in example.plant.zones}
    assert kinds == {"application-network": "external",  # network-cloud-provider
                     "web-dmz": "external", "erp-dmz": "external",  # cloud security groups nested in it
                     "auth-env": "external",  # execution environment nested in it
                     "dev-network": "enterprise",  # network-on-prem
                     "internet": "external"}
    zone_of = {a.id: a.zone for a in example.plant.assets}
    assert zone_of["load-balancer"] == "application-network"
    assert zone_of["apache-webserver"] == zone_of["marketing-cms"] == "web-dmz"
    assert zone_of["sql-database"] == "erp-dmz" and zone_of["ldap-auth-server"] == "auth-env"
    assert zone_of["customer-client"] == zone_of["external-dev-client"] == "internet"
    assert zone_of["jenkins-build-server"] == zone_of["backoffice-client"] == "dev-network"


def test_example_conduits(example):
    got = {c.id: (c.zones, c.direction, c.protocols, c.approved) for c in example.plant.conduits}
    assert got == {
        "application-network-web-dmz": (["application-network", "web-dmz"], "forward", ["http"], False),
        "dev-network-auth-env": (["dev-network", "auth-env"], "forward", ["ldaps"], False),
        "dev-network-erp-dmz": (["dev-network", "erp-dmz"], "forward", ["https", "ssh"], False),
        "dev-network-web-dmz": (["dev-network", "web-dmz"], "forward", ["https", "ssh"], False),
        "internet-application-network": (["internet", "application-network"], "forward", ["https"], False),
        "internet-dev-network": (["internet", "dev-network"], "forward", ["https", "ssh"], False),
        "web-dmz-auth-env": (["web-dmz", "auth-env"], "forward", ["https", "ldap"], False),
        "web-dmz-erp-dmz": (["web-dmz", "erp-dmz"], "forward", ["https"], False),
    }
    first = example.plant.conduits[0]
    assert "Web Application Traffic (load-balancer -> apache-webserver)" in first.description


def test_example_assets(example):
    assets = example.plant.asset_map()
    lb = assets["load-balancer"]
    assert (lb.name, lb.type, lb.owner, lb.depends_on) == (
        "Load Balancer", "server", "Company ABC", ["apache-webserver", "marketing-cms"])
    assert assets["erp-system"].depends_on == ["contract-file-server", "sql-database"]
    assert assets["external-dev-client"].depends_on == ["git-repo", "jenkins-build-server"]
    assert assets["sql-database"].depends_on == []
    types = {a.id: a.type for a in example.plant.assets}
    assert sorted(a for a, t in types.items() if t == "other") == [
        "backend-admin-client", "backoffice-client", "customer-client", "external-dev-client"]  # browsers, desktop
    assert all(t == "server" for a, t in types.items() if t != "other")
    assert all(a.impact.as_dict() == {"production": None, "safety": None, "delivery": None}
               for a in example.plant.assets)  # suggestions only, never written


def test_example_suggested_impacts(example):
    s = example.suggested_impacts
    assert list(s) == sorted(a.id for a in example.plant.assets)
    # load-balancer: availability mission-critical (5) -> production 5, delivery 5; no safety tag
    assert s["load-balancer"].as_dict() == {"production": 5, "safety": None, "delivery": 5}
    # contract-file-server: integrity critical, availability important (3)
    assert s["contract-file-server"].as_dict() == {"production": 3, "safety": None, "delivery": 3}
    # customer-client: availability operational (2), its critical data assets do not count
    assert s["customer-client"].as_dict() == {"production": 2, "safety": None, "delivery": 2}


def test_example_is_a_valid_plant_and_notes_say_what_was_dropped(example):
    assert reference_problems(example.plant) == []
    assert loads_plant(dumps_plant(example.plant)) == example.plant
    notes = "\n".join(example.notes)
    assert "technology 'browser' has no matching asset type: other" in notes
    assert "data_assets (12)" in notes and "risk_tracking (6)" in notes
    assert "added zone 'internet'" in notes


def test_site_name_and_text_input():
    r = threagile_to_plant("technical_assets: {A: {id: a}}\n", source="dir/model.yaml")
    assert r.plant.site.name == "model"
    assert threagile_to_plant("technical_assets: {A: {id: a}}\n", source="x", site_name="Plant 7").plant.site.name == \
        "Plant 7"


def _model(text: str, **kw):
    return threagile_to_plant(textwrap.dedent(text), source="m.yaml", **kw)


def test_innermost_boundary_wins_and_subdivisions_inherit_the_kind():
    r = _model("""
        technical_assets:
          PLC: {id: plc-1, technology: plc}
          Web: {id: web, technology: web-server}
        trust_boundaries:
          Plant: {id: plant, type: network-on-prem, technical_assets_inside: [plc-1, web],
                  trust_boundaries_nested: [cell]}
          Cell: {id: cell, type: network-cloud-security-group, technical_assets_inside: [plc-1]}
          Cloud SG: {id: sg, type: network-cloud-security-group}
          Odd: {id: odd, type: something-else}
        """)
    assert {a.id: (a.zone, a.type) for a in r.plant.assets} == {"plc-1": ("cell", "plc"), "web": ("plant", "server")}
    assert {z.id: z.kind for z in r.plant.zones} == {"cell": "enterprise", "plant": "enterprise",
                                                     "sg": "external", "odd": "enterprise"}
    assert any("unknown type 'something-else'" in n for n in r.notes)


def test_links_both_ways_make_one_conduit_in_both_directions():
    r = _model("""
        technical_assets:
          B: {id: b, communication_links: {Poll: {target: a, protocol: modbus}}}
          A: {id: a, communication_links: {Push: {target: b, protocol: opc-ua}, Self: {target: a}}}
        trust_boundaries:
          Z2: {id: z2, type: network-on-prem, technical_assets_inside: [b]}
          Z1: {id: z1, type: network-on-prem, technical_assets_inside: [a]}
        """)
    [c] = r.plant.conduits
    assert (c.id, c.zones, c.direction, c.protocols, c.approved) == ("z1-z2", ["z1", "z2"], "both",
                                                                     ["modbus", "opc-ua"], False)
    assert {a.id: a.depends_on for a in r.plant.assets} == {"a": ["b"], "b": ["a"]}  # a cycle is legal
    assert any("goes to itself: dropped" in n for n in r.notes)


def test_assets_outside_every_boundary():
    r = _model("""
        technical_assets:
          Laptop: {id: laptop, technology: browser, communication_links: {Use: {target: srv}}}
          Cloud: {id: cloud, internet: true, technology: web-service-rest}
          Srv: {id: srv, type: datastore, technology: unknown-technology,
                communication_links: {Sync: {target: cloud, protocol: https}}}
        trust_boundaries:
          Site: {id: site, type: network-on-prem, technical_assets_inside: [srv]}
        """)
    assets = r.plant.asset_map()
    assert (assets["laptop"].zone, assets["cloud"].zone, assets["srv"].zone) == (None, "internet", "site")
    assert (assets["cloud"].type, assets["srv"].type, assets["laptop"].type) == ("service", "server", "other")
    assert [c.id for c in r.plant.conduits] == ["site-internet"]
    notes = "\n".join(r.notes)
    assert "'Laptop' is outside every trust boundary: no zone" in notes
    assert "one end has no zone, no conduit" in notes


def test_safety_only_from_integrity_of_a_tagged_asset():
    r = _model("""
        technical_assets:
          SIS: {id: sis, tags: [Safety-Critical], integrity: mission-critical, availability: important}
          ERP: {id: erp, integrity: mission-critical, availability: bogus}
        """)
    assert r.suggested_impacts["sis"].as_dict() == {"production": 3, "safety": 5, "delivery": 3}
    assert r.suggested_impacts["erp"].as_dict() == {"production": None, "safety": None, "delivery": None}
    assert any("availability 'bogus' is not one of" in n for n in r.notes)


def test_colliding_ids_get_a_suffix():
    r = _model("technical_assets: {A: {id: web}, B: {id: Web}}\n")
    assert [a.id for a in r.plant.assets] == ["web", "web-2"]
    assert any("'Web' became 'web-2'" in n for n in r.notes)


@pytest.mark.parametrize(("text", "key", "message"), [
    ("technical_assets: [a, b\n", "(document)", "not YAML"),
    ("- just a list\n", "(document)", "not a Threagile model"),
    ("format: otrisk/v1\nsite: {name: X}\n", "technical_assets", "no technical_assets"),
    ("technical_assets: {A: {title: no id}}\n", "technical_assets.A.id", "needs an id"),
    ("technical_assets: {A: {id: a}, B: {id: a}}\n", "technical_assets.B.id", "duplicate id"),
    ("technical_assets: {A: {id: a, communication_links: {Feed: {target: ghost, protocol: https}}}}\n",
     "technical_assets.A.communication_links.Feed.target", "no technical asset with this id (value 'ghost')"),
    ("technical_assets: {A: {id: a}}\ntrust_boundaries: {T: {id: t, technical_assets_inside: [ghost]}}\n",
     "trust_boundaries.T.technical_assets_inside", "no technical asset with this id (value 'ghost')"),
    ("technical_assets: {A: {id: a}}\ntrust_boundaries: {T: {id: t, trust_boundaries_nested: [u]}}\n",
     "trust_boundaries.T.trust_boundaries_nested", "no trust boundary with this id (value 'u')"),
    (("technical_assets: {A: {id: a}}\ntrust_boundaries: {T: {id: t, trust_boundaries_nested: [u]},"
     " U: {id: u, trust_boundaries_nested: [t]}}\n"), "trust_boundaries_nested", "nested in a cycle"),
    (("technical_assets: {A: {id: a}}\ntrust_boundaries: {T: {id: t, technical_assets_inside: [a]},"
     " U: {id: u, technical_assets_inside: [a]}}\n"), "technical_assets_inside", "not nested in it"),
])
def test_bad_models_name_file_key_and_value(text, key, message):
    with pytest.raises(ThreagileError) as info:
        threagile_to_plant(text, source="bad.yaml")
    assert str(info.value).startswith("bad.yaml: ") and key in str(info.value) and message in str(info.value)
    assert info.value.file == "bad.yaml"


def test_too_large_and_not_utf8():
    with pytest.raises(ThreagileError, match="larger than 5,000,000 bytes"):
        threagile_to_plant(b"#" * (THREAGILE_MAX_BYTES + 1), source="big.yaml")
    with pytest.raises(ThreagileError, match="not UTF-8"):
        threagile_to_plant(b"technical_assets: {A: {id: \xff}}", source="latin.yaml")


def test_anchors_and_merge_keys_are_read():
    r = _model("""
        technical_assets:
          Base: &base {id: base, technology: database, owner: Ops}
          Copy:
            <<: *base
            id: copy
        """)
    assert {a.id: (a.type, a.owner) for a in r.plant.assets} == {"base": ("server", "Ops"), "copy": ("server", "Ops")}

"""Benchmark of the unknown-device triage on a big synthetic plant (issue 6: "answers in under a second").

Run:  python bench/bench_triage.py [--zones 500] [--conduits 5000] [--assets 20000] [--mac-rows 1000] [--seed 7]

The plant is :func:`bench_zones.synthetic`; every asset gets an IP in its zone's subnet and a
port on one of the zone's 48-port access switches. Measured, each the best of three:

* ``triage`` for a port target with the switch's configuration, for an IP target (through the
  asset holding it and its port), and for a MAC target found in a MAC table, with the impact
  analysis and the open findings computed beforehand (the page caches them per revision);
* parsing a ``show mac address-table`` of ``--mac-rows`` rows (textfsm + ntc-templates).

Target: each triage and the MAC-table parse at 1,000 rows under 1 s on this 2-core machine.
Exit status 1 when a target fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_zones import synthetic, timed

from otrisk.configs import parse_config
from otrisk.impact import analyze
from otrisk.models import Asset, Plant, Zone
from otrisk.showparse import parse_show_outputs
from otrisk.triage import triage
from otrisk.zones import asset_exposure

TARGET_SECONDS = 1.0


def addressed(plant: Plant) -> Plant:
    """Give every zone a VLAN and a /16, every asset an IP, a MAC and a port on its zone's switch."""
    zones = [Zone.model_construct(**{**z.__dict__, "vlans": [100 + i], "subnets": [f"10.{i // 250}.{i % 250}.0/24"]})
             for i, z in enumerate(plant.zones)]
    index = {z.id: i for i, z in enumerate(zones)}
    count: dict[str, int] = {}
    assets = []
    for n, a in enumerate(plant.assets):
        if a.zone is None:
            assets.append(a)
            continue
        k = count[a.zone] = count.get(a.zone, 0) + 1
        i = index[a.zone]
        assets.append(Asset.model_construct(**{**a.__dict__, "ip": f"10.{i // 250}.{i % 250}.{k % 250 + 1}",
                                               "mac": f"02:00:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}:01",
                                               "switch_port": f"sw-{a.zone}-{k // 48}:Gi1/0/{k % 48 + 1}"}))
    return Plant.model_construct(**{**plant.__dict__, "zones": zones, "assets": assets})


def switch_config(zone_id: str, vlan: int) -> str:
    ports = "".join(f"interface GigabitEthernet1/0/{p}\n switchport mode access\n switchport access vlan {vlan}\n"
                    for p in range(1, 49))
    return f"hostname sw-{zone_id}-0\nvlan {vlan}\n{ports}"


def mac_table(switch: str, rows: int, vlan: int, mac: str) -> str:
    lines = [f"{switch}#show mac address-table", "          Mac Address Table",
             "-------------------------------------------", "",
             "Vlan    Mac Address       Type        Ports", "----    -----------       --------    -----"]
    for r in range(rows - 1):
        lines.append(f" {vlan}    0200.{r >> 16 & 255:02x}{r >> 8 & 255:02x}.{r & 255:02x}99    DYNAMIC     "
                     f"Gi1/0/{r % 48 + 1}")
    dotted = mac.replace(":", "")
    lines.append(f" {vlan}    {dotted[:4]}.{dotted[4:8]}.{dotted[8:]}    DYNAMIC     Gi1/0/7")
    lines.append(f"Total Mac Addresses for this criterion: {rows}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=500)
    parser.add_argument("--conduits", type=int, default=5000)
    parser.add_argument("--assets", type=int, default=20000)
    parser.add_argument("--mac-rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    plant = addressed(synthetic(args.zones, args.conduits, args.assets, args.seed))
    impacts = analyze(plant, exposure=asset_exposure(plant))
    asset = next(a for a in plant.assets if a.zone and a.switch_port.endswith(":Gi1/0/5"))
    vlan = next(z.vlans[0] for z in plant.zones if z.id == asset.zone)
    switch = asset.switch_port.split(":")[0]
    dev = parse_config(switch_config(asset.zone, vlan), name=f"{switch}.cfg")
    configs = {dev.key: dev}
    t_parse, shows = timed(lambda: parse_show_outputs(mac_table(switch, args.mac_rows, vlan, "02:00:99:99:99:01")))
    cases = {
        "port + configuration": lambda: triage(plant, asset.switch_port, impacts=impacts, configs=configs),
        "IP of a known asset": lambda: triage(plant, asset.ip, impacts=impacts, configs=configs),
        "MAC from a MAC table": lambda: triage(plant, "02:00:99:99:99:01", impacts=impacts, configs=configs,
                                               shows=[shows]),
    }
    print(f"plant: {args.zones} zones, {args.conduits} conduits, {args.assets} assets")
    ok = t_parse <= TARGET_SECONDS or args.mac_rows > 1000
    print(f"parse a {args.mac_rows}-row MAC table:   {t_parse * 1000:8.1f} ms")
    for name, run in cases.items():
        t, answer = timed(run)
        print(f"triage, {name:22s} {t * 1000:8.1f} ms  zones {list(answer.zones)}, "
              f"{len(answer.reachable_zones)} zones and {len(answer.reachable_assets)} assets in reach")
        ok = ok and t <= TARGET_SECONDS and answer.resolved
    if not ok:
        print(f"FAIL: target is {TARGET_SECONDS} s per triage and per 1,000-row MAC table")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

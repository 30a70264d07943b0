"""Which command printed this output? Recognised by its shape, for ``viosaudit parse`` without --command.

Each command has one or two tell-tale shapes (a header line, attribute names, device name prefixes);
``candidates`` returns every command whose shape the text has. One candidate is an answer; several
(``lshwres`` scsi and fc listings without a ``wwpns`` attribute look alike, an ``-F`` list without a
header names no attributes at all) is a question only the administrator can answer with ``--command``.
"""

from __future__ import annotations

import re

from viosaudit.parse.hmc import NO_RESULTS, hmc_message

_PAIR_NAMES = re.compile(r"(?:^|,)\s*\"?\s*([a-z0-9_]+)=")
_HMC = ("lssyscfg_sys", "lssyscfg_lpar", "lshwres_scsi", "lshwres_fc", "lshwres_eth")

_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("lsmap_all", re.compile(r"^\s*SVSA\s+Physloc\s+Client\s+Partition\s+ID\s*$")),
    ("lsmap_all", re.compile(r"^\s*vhost\d+[:,;|!@#%]\S")),
    ("lsmap_npiv", re.compile(r"^\s*Name\s+Physloc\s+ClntID\s+ClntName\s+ClntOS\s*$")),
    ("lsmap_npiv", re.compile(r"^\s*vfchost\d+[:,;|!@#%]\S")),
    ("lsmap_net", re.compile(r"^\s*SVEA\s+Physloc\s*$")),
    ("lsmap_net", re.compile(r"^\s*ent\d+[:,;|!@#%]U")),
    ("emgr_l", re.compile(r"^\s*ID\s+STATE\s+LABEL\s+INSTALL TIME\b")),
    ("emgr_l", re.compile(r"^There is no efix data on this system\.$")),
    ("lslpp_lc", re.compile(r"^#Package Name:Fileset:Level:")),
    ("lslpp_lc", re.compile(r"^[\w.+\-]+:[\w.+\-]+:\d+(\.\d+)+:")),
    ("ioslevel", re.compile(r"^\d+\.\d+\.\d+\.\d+$")),
    ("lshmc_v", re.compile(r'^"version=\s*Version:')),
    ("disk_reserve", re.compile(r"^hdisk\d+ \S")),
    ("sea_attrs", re.compile(r"^ent\d+ (ha_mode|ctl_chan|pvid_adapter|virt_adapters)\b")),
)

# Attribute names that single out one HMC listing, in the default form or a --header line.
_ATTRIBUTES: tuple[tuple[str, frozenset[str]], ...] = (
    ("lshwres_eth", frozenset({"port_vlan_id", "is_trunk", "addl_vlan_ids", "trunk_priority", "mac_addr"})),
    ("lshwres_fc", frozenset({"wwpns"})),
    ("lssyscfg_lpar", frozenset({"lpar_env", "os_version", "rmc_state", "curr_profile"})),
    ("lssyscfg_sys", frozenset({"type_model", "serial_num"})),
)
_ADAPTER = frozenset({"adapter_type", "remote_lpar_id", "remote_slot_num"})


def candidates(text: str) -> tuple[str, ...]:
    """The command ids whose output looks like ``text`` (first significant line, then attribute names)."""
    lines = [(no, line) for no, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        return ()
    if hmc_message(lines) is not None or lines[0][1].strip() == NO_RESULTS:
        return _HMC
    first = lines[0][1].rstrip()
    found = [command_id for command_id, shape in _SHAPES if shape.search(first)]
    names = _attribute_names(first)
    if names:
        found += _by_attributes(names)
    elif not found and "," in first:
        found += _by_values(first, text)  # an -F list without header: values only, no names
    return tuple(dict.fromkeys(found))


def _by_values(first: str, text: str) -> list[str]:
    """An ``-F`` record without names: values only some listings print, else every HMC listing."""
    values = {v.strip().strip('"') for v in first.split(",")}
    if values & {"vioserver", "aixlinux", "os400"}:
        return ["lssyscfg_lpar"]
    if any(re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{3}", v) for v in values):
        return ["lssyscfg_sys"]
    if values & {"client", "server"}:
        wwpns = re.search(r"\b[0-9a-fA-F]{16},[0-9a-fA-F]{16}\b", text)
        return ["lshwres_fc"] if wwpns else ["lshwres_scsi", "lshwres_fc"]
    if any(re.fullmatch(r"[0-9A-Fa-f]{12}", v) for v in values):
        return ["lshwres_eth"]
    return list(_HMC)


def _attribute_names(line: str) -> set[str]:
    """Attribute names of a default-form record (``name=value,...``) or of a ``--header`` line."""
    pairs = set(_PAIR_NAMES.findall(line))
    if pairs:
        return pairs
    words = [w.strip() for w in re.split(r"[,:]", line)]
    if len(words) > 1 and all(re.fullmatch(r"[a-z_][a-z0-9_]*", w) for w in words):
        return set(words)
    return set()


def _by_attributes(names: set[str]) -> list[str]:
    for command_id, telling in _ATTRIBUTES:
        if names & telling:
            return [command_id]
    if names & _ADAPTER:
        return ["lshwres_scsi", "lshwres_fc"]
    return list(_HMC)

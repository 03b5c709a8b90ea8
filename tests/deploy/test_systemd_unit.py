"""deploy/policybot.service: the keys the README relies on (its own user, a state
directory, a read-only system, no new privileges, restart on failure, the env file,
`policybot run` after `policybot db upgrade`), and systemd's own reading of it
(``systemd-analyze verify``, with the commands pointed at this venv's ``policybot``)."""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "policybot.service"
INSTALLED = "/opt/policybot/venv/bin/policybot"


def sections(text: str) -> dict[str, dict[str, list[str]]]:
    """[Section] -> key -> every value it was given (systemd allows repeats)."""
    found: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = found.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{line!r} before any [Section]"
        key, equals, value = line.partition("=")
        assert equals, f"not KEY=value: {line!r}"
        assert not value.endswith("\\"), "continued lines are not used here"
        current.setdefault(key.strip(), []).append(value.strip())
    return found


SERVICE = sections(UNIT.read_text())


def one(section: str, key: str) -> str:
    [value] = SERVICE[section][key]
    return value


def test_it_runs_the_bot_after_migrating_and_restarts_it_on_failure() -> None:
    assert set(SERVICE) == {"Unit", "Service", "Install"}
    assert one("Service", "ExecStartPre") == f"{INSTALLED} db upgrade"
    assert one("Service", "ExecStart") == f"{INSTALLED} run"
    assert one("Service", "Restart") == "on-failure"
    assert one("Install", "WantedBy") == "multi-user.target"
    assert "network-online.target" in one("Unit", "After")


def test_it_reads_the_env_file_and_keeps_its_data_in_its_state_directory() -> None:
    assert one("Service", "EnvironmentFile") == "/etc/policybot/policybot.env"
    assert one("Service", "StateDirectory") == "policybot"
    environment = one("Service", "Environment").split()
    assert "POLICYBOT_DATA_DIR=%S/policybot" in environment
    assert "POLICYBOT_CONFIG=%E/policybot/schools.yaml" in environment


def test_it_is_hardened() -> None:
    assert one("Service", "DynamicUser") == "yes"
    assert one("Service", "ProtectSystem") == "strict"
    assert one("Service", "NoNewPrivileges") == "yes"
    assert one("Service", "ProtectHome") == "yes"
    assert one("Service", "PrivateTmp") == "yes"
    assert one("Service", "CapabilityBoundingSet") == ""
    assert one("Service", "UMask") == "0077"
    assert SERVICE["Service"]["SystemCallFilter"] == ["@system-service", "~@privileged"]


def test_the_parser_reads_repeats_and_refuses_what_is_not_a_unit_file() -> None:
    assert sections("[A]\nK=1\n# c\nK=2\n") == {"A": {"K": ["1", "2"]}}
    with pytest.raises(AssertionError):
        sections("K=1\n")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (Debian's package systemd)")
def test_systemd_reads_it_without_a_complaint(tmp_path: Path) -> None:
    policybot = Path(sysconfig.get_path("scripts")) / "policybot"
    assert policybot.is_file()
    local = UNIT.read_text().replace(INSTALLED, str(policybot))
    (tmp_path / "policybot.service").write_text(local)
    verified = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "policybot.service")],
                              capture_output=True, text=True, timeout=60, check=False)
    assert (verified.returncode, verified.stdout + verified.stderr) == (0, "")

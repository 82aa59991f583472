"""`make browser`: Debian's Chromium for the browser tests, installed only when missing."""

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_apt_get(tmp_path):
    """An apt-get that records its arguments, and installs a "chromium" when asked to."""
    log, chromium = tmp_path / "apt-get.log", tmp_path / "chromium"
    script = tmp_path / "apt-get"
    script.write_text(
        f'#!/bin/sh\necho "$*" >> {log}\n'
        f'case "$*" in *install*) printf "#!/bin/sh\\n" > {chromium}; chmod +x {chromium};; esac\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, log, chromium


def _make_browser(apt_get: Path, chromium: Path, user_id: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "MAKEFLAGS"}
    return subprocess.run(
        ["make", "--no-print-directory", "browser", f"APT_GET={apt_get}", f"CHROMIUM={chromium}", f"USER_ID={user_id}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def _calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_a_present_chromium_is_left_alone(fake_apt_get):
    apt_get, log, chromium = fake_apt_get
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)

    result = _make_browser(apt_get, chromium, user_id="0")

    assert result.returncode == 0
    assert _calls(log) == []


def test_a_missing_chromium_is_installed_with_apt_get_as_root(fake_apt_get):
    apt_get, log, chromium = fake_apt_get

    result = _make_browser(apt_get, chromium, user_id="0")

    assert result.returncode == 0
    assert _calls(log) == ["update -q", "install -y -q --no-install-recommends chromium"]


def test_without_root_it_says_how_to_install_and_fails(fake_apt_get):
    apt_get, log, chromium = fake_apt_get

    result = _make_browser(apt_get, chromium, user_id="1000")

    assert result.returncode != 0
    assert "sudo make browser" in result.stderr
    assert _calls(log) == []


def test_a_failed_apt_get_fails_with_a_message(tmp_path):
    result = _make_browser(Path("/bin/false"), tmp_path / "chromium", user_id="0")

    assert result.returncode != 0
    assert "apt-get could not install chromium" in result.stderr


@pytest.fixture
def fake_venv(tmp_path):
    """A venv whose python only records how `make test` called it."""
    venv, log = tmp_path / "venv", tmp_path / "python.log"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    (venv / ".installed").touch()
    os.utime(venv / ".installed", (2**31, 2**31))  # newer than requirements.txt: no install
    return venv, log


def _make_test(venv: Path, apt_get: Path, chromium: Path, user_id: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("MAKEFLAGS", "PYTEST_ARGS", "TEST_PROCESSES")}
    return subprocess.run(
        ["make", "--no-print-directory", "test", f"VENV={venv}", f"APT_GET={apt_get}", f"CHROMIUM={chromium}"]
        + [f"USER_ID={user_id}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_make_test_installs_a_missing_chromium_before_the_suite(fake_venv, fake_apt_get):
    venv, pytest_log = fake_venv
    apt_get, apt_log, chromium = fake_apt_get

    _make_test(venv, apt_get, chromium, user_id="0")

    assert _calls(apt_log)[-1] == "install -y -q --no-install-recommends chromium"
    assert _calls(pytest_log) == ["-m pytest -n 3 --dist worksteal"]


def test_make_test_runs_the_suite_when_chromium_cannot_be_installed(fake_venv, fake_apt_get):
    venv, pytest_log = fake_venv
    apt_get, _, chromium = fake_apt_get

    result = _make_test(venv, apt_get, chromium, user_id="1000")

    assert "the browser tests will fail" in result.stdout
    assert _calls(pytest_log) == ["-m pytest -n 3 --dist worksteal"]

"""
The platforms the package says it runs on are the ones it accepts: POSIX systems import it,
others are refused at import with an error that says why, before any code could do harm.

"""

from __future__ import annotations

import subprocess
import sys

import pytest

from microcosm_sqlite._platform import UnsupportedPlatformError, require_posix

# a process that pretends to be another platform before the package is imported
IMPORT_AS = """
import os, sys
os.name, sys.platform = {os_name!r}, {platform!r}
try:
    import microcosm_sqlite
except ImportError as error:
    # refused before anything was imported: the package's own modules are dropped from
    # sys.modules as the import fails, SQLAlchemy would have stayed
    loaded = sorted(name for name in sys.modules if name.startswith(("sqlalchemy", "microcosm_")))
    print(type(error).__name__, error, loaded)
else:
    print("imported")
"""


def test_this_posix_system_is_accepted() -> None:
    """Linux and macOS, where the tests run, pass the check."""
    require_posix()


@pytest.mark.parametrize(("os_name", "platform"), [("nt", "win32"), ("java", "java")])
def test_other_platforms_are_refused_with_the_reason(os_name: str, platform: str) -> None:
    """A non-POSIX platform is an ImportError naming what is supported and the platform."""
    with pytest.raises(UnsupportedPlatformError) as raised:
        require_posix(os_name, platform)

    assert isinstance(raised.value, ImportError)
    assert "POSIX systems (Linux, macOS)" in str(raised.value)
    assert repr(platform) in str(raised.value)


@pytest.mark.parametrize(
    ("os_name", "platform", "outcome"),
    [
        ("nt", "win32", "UnsupportedPlatformError microcosm-sqlite runs on POSIX systems"),
        ("posix", "linux", "imported"),
    ],
)
def test_importing_the_package_checks_the_platform_first(
    os_name: str, platform: str, outcome: str
) -> None:
    """`import microcosm_sqlite` refuses a Windows process, and only that, before anything else."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_AS.format(os_name=os_name, platform=platform)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(outcome)
    if outcome != "imported":
        assert result.stdout.rstrip().endswith("[]")

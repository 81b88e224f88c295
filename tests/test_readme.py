"""
The README's quickstart, executed: its files are written, its commands and code run as shown.

Fenced blocks tagged `file=PATH` are written to PATH; `console run` blocks run each `$ ` line;
`python run` blocks run as scripts. All in a fresh folder, as a new user would.

"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)


def readme_blocks() -> list[tuple[str, str]]:
    return [(match["info"].strip(), match["body"]) for match in FENCE.finditer(README.read_text())]


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PYTHONPATH": str(cwd),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    return subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )


def test_readme_has_a_runnable_quickstart() -> None:
    """The README carries files, commands and code to run, so the test below cannot pass empty."""
    infos = [info for info, _ in readme_blocks()]
    assert any("file=" in info for info in infos)
    assert "console run" in infos
    assert "python run" in infos


def test_readme_quickstart_runs(tmp_path: Path) -> None:
    """Every quickstart step succeeds in a fresh folder, including the code's own assertions."""
    for info, body in readme_blocks():
        target = re.search(r"file=(\S+)", info)
        if target:
            path = tmp_path / target[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
            if path.suffix == ".py":
                (path.parent / "__init__.py").touch()
        elif info == "console run":
            for line in body.splitlines():
                if line.startswith("$ "):
                    result = run(shlex.split(line[2:]), tmp_path)
                    assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        elif info == "python run":
            script = tmp_path / "quickstart_step.py"
            script.write_text(body)
            result = run([sys.executable, str(script)], tmp_path)
            assert result.returncode == 0, result.stderr
    assert (tmp_path / "reference.sqlite").is_file()

"""The HTML report opened in headless Chromium (Debian's ``chromium`` package, installed here when missing): the
summary and the drawn graphs are in the rendered page, the filtering script ran, and the console has no error.

The machines have no internet: Chromium runs with --no-sandbox --disable-gpu --disable-background-networking
--disable-component-update --no-first-run, and the page loads nothing from elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from parc.core.audit import AuditReport
from parc.reporters.audit_html import render_audit_html

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--enable-logging=stderr", "--v=0"]


def _install() -> str:
    if os.geteuid() != 0:
        pytest.fail("chromium is not installed and these tests are not run as root: install Debian's chromium "
                    "package (apt-get install -y chromium) or run the tests as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, check=False)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} failed (exit {done.returncode}); the Chromium test needs Debian's "
                        f"chromium package:\n{done.stderr[-2000:]}")
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("apt-get installed chromium but no chromium command is on PATH")
    return found


@pytest.fixture(scope="session")
def chromium() -> str:
    return shutil.which("chromium") or (str(Path("/usr/bin/chromium")) if Path("/usr/bin/chromium").exists()
                                        else _install())


def render(chromium: str, page: Path, profile: Path) -> tuple[str, str]:
    done = subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_the_report_renders_without_console_errors(chromium: str, example_report: AuditReport,
                                                   tmp_path: Path) -> None:
    page = tmp_path / "parc-report.html"
    page.write_text(render_audit_html(example_report, "test"), encoding="utf-8")
    dom, stderr = render(chromium, page, tmp_path / "profile")
    assert console_messages(stderr) == []
    assert 'data-ready="true"' in dom  # the script ran to its end
    summary = dom[dom.index('<section id="summary">'):dom.index("</section>")]
    critical = sum(1 for f in example_report.findings if f.severity.value == "CRITICAL")
    assert critical >= 2
    assert f'<div class="card CRITICAL"><div class="n">{critical}</div>' in summary
    assert "Identity and access" in summary and "Not checked" in summary
    access = dom[dom.index('id="access-graph"'):]
    access = access[:access.index("</svg>")]
    assert len(re.findall(r'<g class="node', access)) >= 15
    assert 'class="edge escalation' in access
    internet = dom[dom.index('id="internet-map"'):]
    assert "i-0a3c5e7b9d1f20091" in internet[:internet.index("</svg>")]


def test_the_filters_work_in_the_browser(chromium: str, example_report: AuditReport, tmp_path: Path) -> None:
    """Unticking every severity but CRITICAL leaves only the critical findings shown."""
    html = render_audit_html(example_report, "test")
    probe = ("<script>document.querySelectorAll('input[data-filter=severity]').forEach(function (b) {"
             "if (b.value !== 'CRITICAL') { b.checked = false; b.dispatchEvent(new Event('change')); } });"
             "document.body.setAttribute('data-visible', String(document.querySelectorAll("
             "'details.finding:not(.hidden)').length));</script></body>")
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", probe), encoding="utf-8")
    dom, stderr = render(chromium, page, tmp_path / "profile")
    assert console_messages(stderr) == []
    critical = sum(1 for f in example_report.findings if f.severity.value == "CRITICAL")
    assert 2 <= critical < len(example_report.findings)
    assert f'data-visible="{critical}"' in dom
    assert f'<b id="shown-count">{critical}</b>' in dom


def test_a_script_error_would_be_seen(chromium: str, tmp_path: Path) -> None:
    """The console check above can fail: an error in a page shows in Chromium's log."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>notDefined();</script></body></html>")
    _, stderr = render(chromium, page, tmp_path / "profile")
    assert any("notDefined" in m for m in console_messages(stderr))

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


def _framework_report() -> AuditReport:
    from datetime import UTC, datetime

    from audit_helpers import EXAMPLE

    from parc.api import rcp_supported_services
    from parc.catalog import default_catalog
    from parc.core.audit import AuditOptions, audit
    from parc.loaders.frameworks import account_files, load_frameworks
    from parc.loaders.snapshot import load_audit_snapshot

    inputs = load_audit_snapshot(EXAMPLE)
    return audit(inputs, AuditOptions(datetime(2026, 11, 30, 8, 0, tzinfo=UTC), "test", default_catalog(),
                                      rcp_supported_services(), frameworks=load_frameworks(),
                                      framework="cis-aws-7.0", account_files=account_files(inputs)))


def test_the_cis_control_table_renders(chromium: str, example_report: AuditReport, tmp_path: Path) -> None:
    """--framework cis-aws-7.0: the control table is in the rendered page, each FAIL links to its findings, which
    are in the page; without --framework there is no table."""
    report = _framework_report()
    page = tmp_path / "cis.html"
    page.write_text(render_audit_html(report, "test"), encoding="utf-8")
    dom, stderr = render(chromium, page, tmp_path / "profile")
    assert console_messages(stderr) == []
    section = dom[dom.index('<section id="framework">'):]
    section = section[:section.index("</section>")]
    assert "CIS Amazon Web Services Foundations Benchmark v7.0" in section
    rows = re.findall(r'<tr class="control (\w+)" data-control="([\d.]+)">', section)
    assert len(rows) == 70 and {s for s, _ in rows} >= {"fail", "notchecked", "manual"}
    status = dict((cid, s) for s, cid in rows)
    assert status["2.4"] == "fail" and status["2.2"] == "manual"
    linked = re.findall(r'<a href="#([^"]+)">', section)
    assert linked and all(f'id="{fid}"' in dom for fid in linked)
    assert section.count('<ul class="missing">') >= sum(1 for s, _ in rows if s == "notchecked") > 0
    plain = tmp_path / "plain.html"
    plain.write_text(render_audit_html(example_report, "test"), encoding="utf-8")
    dom, _ = render(chromium, plain, tmp_path / "profile2")
    assert '<section id="framework">' not in dom

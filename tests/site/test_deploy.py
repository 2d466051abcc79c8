"""Deploying: the site under a sub-path with netlify.toml's headers, the check command, the workflow."""

import re
import shutil
import tomllib

import pytest
import yaml

from support import ROOT, run_cli, static_server, wait_for
from lofi_build.errors import Collector
from lofi_build.site import csp
from lofi_build.site.check import verify


def netlify_headers():
    return csp.netlify_headers(ROOT / "netlify.toml")


def test_netlify_toml_sets_what_a_static_host_needs():
    data = tomllib.loads((ROOT / "netlify.toml").read_text())
    assert data["build"]["publish"] == "build"
    assert "lofi-build site" in data["build"]["command"]
    assert data["build"]["environment"]["PYTHON_VERSION"].startswith("3.1")
    headers = netlify_headers()
    policy = csp.parse(headers["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert "blob:" in policy["script-src"] and "blob:" in policy["worker-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Referrer-Policy" in headers
    rules = {r["for"]: r["values"] for r in data["headers"]}
    assert "immutable" in rules["/assets/*"]["Cache-Control"]
    assert rules["/manifest.json"]["Cache-Control"] == "no-cache"
    assert rules["/*.html"]["Cache-Control"] == "no-cache"
    assert any(r["to"] == "/404.html" and r["status"] == 404 for r in data["redirects"])


def test_pages_workflow_feeds_the_base_path_to_the_build():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    steps = wf["jobs"]["build"]["steps"]
    uses = [s.get("uses", "") for s in steps] + [s.get("uses", "") for s in wf["jobs"]["deploy"]["steps"]]
    for action in ("actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"):
        assert any(u.startswith(action) for u in uses), action
    build = next(s["run"] for s in steps if "lofi-build site" in s.get("run", ""))
    assert "--base-path" in build and "steps.pages.outputs.base_path" in build
    assert wf["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_check_passes_on_the_fixture_and_names_problems(project):
    shutil.copy(ROOT / "netlify.toml", project / "netlify.toml")
    result = run_cli("check", "-f", project / "lofi.yaml")
    assert result.returncode == 0, result.stderr
    assert not (project / "build").exists()  # check never touches build/
    index = project / "site_src" / "templates" / "index.html"
    index.write_text(index.read_text().replace(
        "{% endblock %}\n{% block body %}",
        '<script>alert(1)</script>\n<script src="https://cdn.example.com/x.js"></script>\n{% endblock %}\n{% block body %}', 1))
    index.write_text(index.read_text().replace('<main id="player"', '<main onclick="go()" id="player"', 1))
    result = run_cli("check", "-f", project / "lofi.yaml")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert any(re.match(r"build/index.html:\d+: error: inline <script>", x) for x in lines), lines
    assert any("loads https://cdn.example.com/x.js from another origin" in x for x in lines), lines
    assert any("inline event handler 'onclick'" in x for x in lines), lines


def test_check_passes_on_the_shipped_project():
    """The credits' source links lead elsewhere (fine); everything the page fetches is ours."""
    result = run_cli("check", "-f", ROOT / "lofi.yaml")
    assert result.returncode == 0, result.stderr


def test_check_rejects_a_policy_that_breaks_or_weakens_the_player(project, tmp_path):
    run_cli("site", "-f", project / "lofi.yaml", check=True)
    errors = Collector()
    verify(project / "build", "/", "default-src 'self'; script-src 'self' 'unsafe-inline'", errors)
    messages = [str(e) for e in errors.errors]
    assert any("allows inline script" in m for m in messages)
    assert any("must allow blob:" in m for m in messages)


def test_broken_links_are_found(project):
    run_cli("site", "-f", project / "lofi.yaml", check=True)
    site = project / "build"
    (site / "index.html").write_text((site / "index.html").read_text().replace("</main>", '<a href="missing.html">x</a></main>'))
    errors = Collector()
    verify(site, "/", csp.DEFAULT_POLICY, errors)
    assert [str(e) for e in errors.errors] and "broken link: missing.html" in str(errors.errors[0])


def test_meta_policy_drops_header_only_directives():
    meta = csp.meta_policy(netlify_headers()["Content-Security-Policy"])
    assert "frame-ancestors" not in meta and "script-src 'self' blob:" in meta


@pytest.mark.browser
def test_player_plays_under_a_sub_path_with_the_netlify_csp(project, page):
    shutil.copy(ROOT / "netlify.toml", project / "netlify.toml")
    run_cli("site", "-f", project / "lofi.yaml", "--base-path", "/lofi/", check=True)
    with static_server(project / "build", prefix="/lofi/", headers=netlify_headers()) as url:
        assert url.endswith("/lofi/")
        page.goto(url)
        wait_for(page, "window.lofi !== undefined")
        page.click("#play")
        wait_for(page, "window.lofi.state().transport.state === 'started'")
        wait_for(page, "window.lofi.state().transport.seconds > 0.5")
    assert page.log.errors == []  # a CSP violation would be a console error

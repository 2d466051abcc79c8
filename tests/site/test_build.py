"""The site build on a small fixture project: the output tree, atomicity and reproducibility."""

import hashlib
import json
import re

import pytest

from support import ROOT, THEME, tree_bytes
from lofi_build.config import load_config
from lofi_build.errors import LofiError
from lofi_build.music.chord_table import chord_table
from lofi_build.site.build import build


def build_project(root, outdir=None, **overrides):
    return build(load_config(root / "lofi.yaml", **overrides), outdir)


def test_output_tree(project):
    result = build_project(project)
    out = project / "build"
    assert result.changed and result.songs == 1
    files = set(tree_bytes(out))
    assert {"index.html", "404.html", "manifest.json"} <= files
    manifest = json.loads((out / "manifest.json").read_text())
    song = manifest["songs"][0]
    assert song["id"] == "test-song" and song["title"] == "Test Song"
    assert "bpm" not in song  # the piece says its tempo; the manifest only points to it
    assert re.fullmatch(r"songs/test-song\.[0-9a-f]{10}\.json", song["url"])
    assert re.fullmatch(r"songs/test-song\.[0-9a-f]{10}\.mid", song["midi"])
    assert json.loads((out / song["url"]).read_text())["header"]["name"] == "Test Song"
    assert json.loads((out / song["url"]).read_text())["header"]["tempos"][0]["bpm"] == 90
    assert "90 bpm" in (out / "index.html").read_text()  # the track list, read from the piece
    assert (out / song["midi"]).read_bytes()[:4] == b"MThd"
    for section in ("solos", "drums", "ambience", "quotes", "instruments", "credits"):
        assert isinstance(manifest[section], list)
    assert manifest["site"]["loops"] == {"drums": 8, "ambience": 12, "solos": 30}
    assert manifest["site"]["quoteStartTicks"] == 4 * 1920  # "4:0:0", as ticks: the browser parses no TransportTime
    # The chord table the page reads typed progressions with: hashed, the table Python reads symbols with.
    assert re.fullmatch(r"assets/chords\.[0-9a-f]{10}\.json", manifest["chords"])
    assert json.loads((out / manifest["chords"]).read_text(encoding="utf-8")) == chord_table()


@pytest.mark.parametrize("text, ticks", [("2m", 2 * 1920), ("1:2:0", 1920 + 960), ("0:0:2", 240), ("8n", 240)])
def test_the_quote_start_is_baked_as_ticks(project, text, ticks):
    config = project / "lofi.yaml"
    config.write_text(config.read_text() + f"quote_start: {text}\n")
    build_project(project)
    assert json.loads((project / "build" / "manifest.json").read_text())["site"]["quoteStartTicks"] == ticks


def test_every_asset_is_hashed_and_every_link_is_relative(project):
    build_project(project)
    out = project / "build"
    html = (out / "index.html").read_text()
    external = set(re.findall(r'<a [^>]*href="(https://[^"]+)"', html))  # the credits name the kit's sources
    links = [link for link in re.findall(r'(?:href|src)="([^"]+)"', html) if link not in external]
    assert links
    for link in links:
        assert not link.startswith(("/", "http:", "https:")), link
        assert (out / link).is_file(), link
    for rel in tree_bytes(out):
        if rel.startswith("assets/") and not re.fullmatch(r"assets/vendor/[a-z0-9]+/[^/]*LICENSE[^/]*", rel):
            assert re.search(r"[.-][0-9a-f]{10}(\.|/)", rel), f"{rel} has no content hash"


def test_404_links_start_at_the_base_path(project):
    build_project(project, base_path="/lofi/")
    html = (project / "build" / "404.html").read_text()
    links = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert links and all(link.startswith("/lofi/") for link in links)


def test_two_clean_builds_are_identical(project, tmp_path):
    build_project(project, tmp_path / "a")
    build_project(project, tmp_path / "b")
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")


def test_rebuilding_without_changes_rewrites_nothing(project):
    build_project(project)
    out = project / "build"
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")}
    assert not build_project(project).changed
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")} == before


def test_a_failing_build_leaves_the_old_output_untouched(project):
    build_project(project)
    out = project / "build"
    before = tree_bytes(out)
    (project / "content" / "songs" / "test-song.yaml").write_text("title: x\nbpm: 80\nparts: [\n")
    with pytest.raises(LofiError):
        build_project(project)
    assert tree_bytes(out) == before
    assert not [p for p in project.iterdir() if p.name.startswith(".build-")]  # no temp dirs left


def test_a_song_with_a_form_is_baked_written_out_with_its_sections(project):
    from lofi_build.music.starter import starter_score

    (project / "content" / "songs" / "rainy-window.yaml").write_text(starter_score("Rainy Window", "x.yaml"))
    build_project(project, strict=True)
    out = project / "build"
    entry = next(s for s in json.loads((out / "manifest.json").read_text())["songs"] if s["id"] == "rainy-window")
    piece = json.loads((out / entry["url"]).read_text())
    sections = piece["lofi"]["sections"]
    assert [s["name"] for s in sections] == ["intro", "A", "A", "B", "A", "outro"]
    assert piece["lofi"]["loopBars"] == sections[-1]["bar"] + sections[-1]["bars"]
    assert max(n["ticks"] for t in piece["tracks"] for n in t["notes"]) >= sections[-1]["bar"] * 1920
    assert (out / entry["midi"]).read_bytes()[:4] == b"MThd"


def test_a_changed_song_is_swapped_in(project):
    build_project(project)
    song = project / "content" / "songs" / "test-song.yaml"
    song.write_text(song.read_text().replace("Test Song", "Renamed Song"))
    assert build_project(project).changed
    manifest = json.loads((project / "build" / "manifest.json").read_text())
    assert manifest["songs"][0]["title"] == "Renamed Song"


def test_a_rebuild_writes_only_what_changed(project):
    """Files the edit did not touch are the previous build's own (hard links), not rewritten."""
    build_project(project)
    out = project / "build"
    before = {rel: (out / rel).stat().st_ino for rel in tree_bytes(out)}
    song = project / "content" / "songs" / "test-song.yaml"
    song.write_text(song.read_text().replace("Test Song", "Renamed Song"))
    assert build_project(project).changed
    after = {rel: (out / rel).stat().st_ino for rel in tree_bytes(out)}
    kept = {rel for rel in after if before.get(rel) == after[rel]}
    assert {rel for rel in after if rel.startswith("assets/")} <= kept  # CSS, JS, Tone.js: untouched
    assert "manifest.json" not in kept and "index.html" not in kept
    assert not any(rel.startswith("songs/") for rel in kept)  # the song's new JSON and MIDI
    assert json.loads((out / "manifest.json").read_text())["songs"][0]["title"] == "Renamed Song"


def test_errors_of_every_file_are_reported_together(project):
    songs = project / "content" / "songs"
    (songs / "a.yaml").write_text("title: a\nbpm: 900\nparts: [{name: x, instrument: piano, notes: [[0, C4, 4n]]}]\n")
    (songs / "b.yaml").write_text("title: b\nbpm: 80\nparts: [{name: x, instrument: piano, notes: [[0, H4, 4n]]}]\n")
    with pytest.raises(LofiError) as info:
        build_project(project)
    messages = [str(d) for d in info.value.diagnostics]
    assert len(messages) == 2
    assert "a.yaml:2:6: error: 'bpm' must be" in messages[0]
    assert "b.yaml:3:50: error: unknown pitch or chord symbol 'H4'" in messages[1]


def test_titles_are_escaped(project):
    (project / "lofi.yaml").write_text('title: "<script>alert(1)</script>"\nai: {pool_size: 0}\n')
    song = project / "content" / "songs" / "test-song.yaml"
    song.write_text(song.read_text().replace("Test Song", "<img src=x onerror=alert(2)>"))
    build_project(project)
    html = (project / "build" / "index.html").read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html


def test_file_names_with_spaces_and_unicode_get_safe_ids(project):
    songs = project / "content" / "songs"
    (songs / "Café Nights 2.yaml").write_text((songs / "test-song.yaml").read_text())
    build_project(project)
    ids = [s["id"] for s in json.loads((project / "build" / "manifest.json").read_text())["songs"]]
    assert ids == ["cafe-nights-2", "test-song"]


def test_two_files_with_the_same_id_are_an_error(project):
    songs = project / "content" / "songs"
    (songs / "Test Song.yaml").write_text((songs / "test-song.yaml").read_text())
    with pytest.raises(LofiError, match="would both be called 'test-song'"):
        build_project(project)


def test_no_songs_is_an_error(project):
    (project / "content" / "songs" / "test-song.yaml").unlink()
    with pytest.raises(LofiError, match="no songs found"):
        build_project(project)


def test_refuses_to_replace_a_folder_that_is_not_a_build(project):
    precious = project / "notes"
    precious.mkdir()
    (precious / "diary.txt").write_text("keep me")
    with pytest.raises(LofiError, match="refusing to replace it"):
        build_project(project, precious)
    with pytest.raises(LofiError, match="would replace"):
        build_project(project, project / "content")
    assert (precious / "diary.txt").read_text() == "keep me"


def test_template_errors_name_the_template(project):
    (project / "site_src" / "templates" / "404.html").write_text("{% if %}\n")
    with pytest.raises(LofiError, match=r"404.html:1: error: template error"):
        build_project(project)


def test_the_shipped_site_builds(tmp_path):
    config = load_config(ROOT / "lofi.yaml")
    config.ai.pool_size = 0
    result = build(config, tmp_path / "site")
    assert result.songs >= 3
    manifest = json.loads((tmp_path / "site" / "manifest.json").read_text())
    pieces = [json.loads((tmp_path / "site" / s["url"]).read_text())["header"] for s in manifest["songs"]]
    assert {p["tempos"][0]["bpm"] for p in pieces} <= set(range(70, 91))
    assert len({str(p["keySignatures"]) for p in pieces}) == len(pieces)  # all in different keys


def test_the_shipped_site_with_its_ai_pool_builds_byte_identically_twice(tmp_path):
    """The whole shipped project, solos included, from two clean builds in two processes."""
    from support import run_cli

    for name in ("a", "b"):
        run_cli("site", "-f", ROOT / "lofi.yaml", "-d", tmp_path / name, "-q", check=True)
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert sum(rel.startswith("solos/") for rel in a) == 32  # 16 solos: JSON + MIDI
    assert a.keys() == b.keys()
    assert [rel for rel in a if a[rel] != b[rel]] == []


def test_vendored_libraries_are_pinned_unmodified_and_licensed():
    vendor = THEME / "vendor"
    pins = json.loads((vendor / "vendor.json").read_text())
    assert {"tone", "p5"} <= set(pins)
    for name, pin in pins.items():
        source = pin.get("npm") or pin["pypi"]  # a JavaScript library from npm, or data from a PyPI package
        assert re.fullmatch(r"[A-Za-z0-9.-]+@\d+\.\d+\.\d+", source), source
        for rel, digest in pin["sha256"].items():
            assert hashlib.sha256((vendor / rel).read_bytes()).hexdigest() == digest, rel
        for dest in pin["files"].values():
            assert (vendor / dest).is_file(), dest
        assert any("LICENSE" in dest.upper() for dest in pin["files"].values()), f"{name} ships no licence"
    assert pins["p5"]["license"] == "LGPL-2.1"
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (vendor / "p5" / "LICENSE.txt").read_text()


def test_the_page_preloads_its_modules_credits_its_libraries_and_leaves_p5_for_later(project):
    build_project(project)
    out = project / "build"
    html = (out / "index.html").read_text()
    modules = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
    main = re.search(r'<script type="module" src="([^"]+)"></script>', html).group(1)
    assert modules and all((out / m).is_file() for m in modules)
    js = (out / main).parent
    on_disk = {p.relative_to(js).as_posix() for p in js.rglob("*.js")}
    # Everything but the entry, what loads on demand (live solos, export, share, the station and its long tracks'
    # playback) and a worker's scripts; the background scenes are the scene worker's, imported by the page only
    # where it has no OffscreenCanvas.
    later = {m for m in on_disk if m.split("/")[0] in ("ai", "ondemand", "station") or m.endswith("-worker.js")
             or m in ("visuals/scenes.js", "layers/sliced-parts.js")}
    assert {m[len(js.relative_to(out).as_posix()) + 1:] for m in modules} == on_disk - later - {"main.js"}
    # p5 is fetched by the player after the first sound, never by a <script> of the page.
    p5 = re.search(r'data-p5="([^"]+)"', html).group(1)
    assert re.fullmatch(r"assets/vendor/p5\.min\.[0-9a-f]{10}\.js", p5) and (out / p5).is_file()
    assert not re.search(r'<script[^>]+p5\.min', html)
    credits = html[html.index('id="credits"'):]
    assert "p5.js 1.11.13 (LGPL-2.1)" in credits and "Tone.js 15.5.44 (MIT)" in credits
    for href in re.findall(r'href="(assets/vendor/[^"]+)"', credits):
        assert (out / href).is_file(), href


def test_the_player_modules_live_in_folders_named_for_their_part_each_saying_its_job_in_one_line():
    js = THEME / "js"
    assert [p.name for p in js.glob("*.js")] == ["main.js"]
    parts = {p.name for p in js.iterdir() if p.is_dir()}
    assert parts == {"ai", "audio", "layers", "ondemand", "page", "platform", "station", "visuals"}
    for path in sorted(js.rglob("*.js")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("// ") and first.endswith(".") and len(first) <= 160, path.relative_to(js)


def test_the_player_modules_are_published_without_comments_and_keep_working(project):
    """compact_js: every module of the theme is published without its comments and meaningless whitespace,
    as valid JavaScript (node --check), its imports and exports as they were; the browser tests play them."""
    import shutil
    import subprocess

    from lofi_build.site.build import compact_js

    config = load_config(project / "lofi.yaml")
    build(config, project / "build")
    (js,) = (project / "build" / "assets").glob("js-*")
    sources = config.theme.tree("js")
    assert {p.relative_to(js).as_posix() for p in js.rglob("*.js")} == set(sources)
    total = {"source": 0, "published": 0}
    for rel, source in sources.items():
        text, published = source.read_text(encoding="utf-8"), (js / rel).read_text(encoding="utf-8")
        total["source"] += len(text)
        total["published"] += len(published)
        assert not re.search(r"^\s*//", published, re.M), rel  # no line comment left
        # What each module imports and re-exports, in order (statements start a line, or follow a ';' once minified).
        statements = re.compile(r"(?:^|;)\s*(?:import|export)\b[^;]*?\bfrom\s*\"([^\"]+)\"", re.M)
        assert statements.findall(published) == statements.findall(text), rel
    assert total["published"] < 0.75 * total["source"], total
    assert compact_js("data.json", b'{"a": 1}') == b'{"a": 1}'  # only modules
    if shutil.which("node"):
        for rel in sources:
            checked = project / "check.mjs"
            checked.write_bytes((js / rel).read_bytes())
            result = subprocess.run(["node", "--check", str(checked)], capture_output=True, text=True)
            assert result.returncode == 0, (rel, result.stderr[-500:])

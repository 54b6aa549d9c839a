"""The README is the front door: short, and every command it shows works as shown. Each `aiops` line is
parsed by the CLI's own parser (the command exists, its flags parse), and the ones whose files ship with
the repository run for real; each `make` target exists; each link into docs/ lands on a page and
heading that exist; no word of the team's own (a test double's nickname, an issue number) reaches the
reader."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from aiops.cli import main, parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
INTERNAL = re.compile(r"\btwins?\b|\bissue[ -]?\d+|DESIGN\.md|peer-corpus|\.\./shared", re.IGNORECASE)


def _shell_lines(markdown: str) -> list[str]:
    """The commands of the ```sh blocks, continuation lines joined, comments dropped."""
    out: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", markdown, re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line and not line.startswith("#"):
                out += [part.strip() for part in line.split("&&")]
    return out


COMMANDS = _shell_lines(README)
AIOPS = [c for c in COMMANDS if c.startswith("aiops ")]
MAKE = [c for c in COMMANDS if c.startswith("make ")]


def test_the_readme_is_a_front_door() -> None:
    assert len(README.splitlines()) < 200
    for heading in ("## The two commands", "## The first deploy, step by step", "## Turning automation on"):
        assert heading in README
    assert "## Teardown and cost" in README and "per 10,000 events" in " ".join(README.split())
    steps = re.findall(r"^(\d+)\. \*\*", README, re.M)
    assert steps == [str(n) for n in range(1, len(steps) + 1)] and len(steps) >= 8
    assert "source .venv/bin/activate" in README


def test_it_shows_the_commands_it_promises() -> None:
    shown = {c.split()[1] for c in AIOPS}
    assert {"--help", "replay", "maturity", "catalog", "validate"} <= shown
    assert {"make demo", "make test", "make build", "make deploy"} <= {" ".join(c.split()[:2]) for c in MAKE}


@pytest.mark.parametrize("command", AIOPS)
def test_each_aiops_command_parses(command: str) -> None:
    argv = shlex.split(command)[1:]
    if "--help" in argv:
        with pytest.raises(SystemExit) as done:
            parser().parse_args(argv)
        assert done.value.code == 0
        return
    args = parser().parse_args(argv)
    assert callable(args.func)


@pytest.mark.parametrize("command", MAKE)
def test_each_make_target_exists(command: str) -> None:
    for target in shlex.split(command)[1:]:
        assert re.search(rf"^(?:[\w$()/. -]* )?{re.escape(target)}( [\w$()/. -]*)?:", MAKEFILE, re.M), target


def test_the_commands_that_need_only_the_repository_run(capsys: pytest.CaptureFixture[str]) -> None:
    runnable = [
        c
        for c in AIOPS
        if c.split()[1] in ("replay", "validate", "normalize")
        and all((ROOT / a).exists() for a in shlex.split(c)[2:] if a.endswith((".yaml", ".jsonl", ".json")))
    ]
    assert runnable, "the README shows a command a reader can run as is"
    for command in runnable:
        argv = [str(ROOT / a) if "/" in a and (ROOT / a).exists() else a for a in shlex.split(command)[1:]]
        assert main(argv) == 0, command
    capsys.readouterr()


def _slug(heading: str) -> str:
    """Python-Markdown's toc slug: what mkdocs names a heading's anchor."""
    text = re.sub(r"[`*_]", "", heading).strip().lower()
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[-\s]+", "-", text).strip("-")


def test_each_link_lands_on_a_page_and_a_heading() -> None:
    links = re.findall(r"\]\(((?:docs/)?[\w./-]+\.md)(?:#([\w-]+))?\)", README)
    assert links
    for page, anchor in links:
        path = ROOT / page
        assert path.is_file(), page
        if anchor:
            headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
            assert anchor in {_slug(h) for h in headings}, (page, anchor)


def test_no_internal_words_reach_the_reader() -> None:
    pages = [ROOT / "README.md", ROOT / "samconfig.toml", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        found = INTERNAL.findall(page.read_text(encoding="utf-8"))
        assert not found, (page.name, found)
    import contextlib
    import io

    for command in ([], *[[name] for name in ("demo", "normalize", "replay", "validate", "maturity")]):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
            parser().parse_args([*command, "--help"])
        assert not INTERNAL.findall(out.getvalue()), command


def test_the_bundled_catalog_points_at_what_exists() -> None:
    head = [
        ln for ln in (ROOT / "aiops" / "data" / "catalog.yaml").read_text().splitlines() if ln.startswith("#")
    ]
    for name in re.findall(r"[\w/.-]+\.md", "\n".join(head)):
        assert (ROOT / name).is_file(), name

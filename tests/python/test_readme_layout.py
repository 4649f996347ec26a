"""The README's "Project layout and tests" section names what the repository holds, and nothing it does not.

It is the map a newcomer reads first; folders and scripts added without it (the API, three macro
areas and four scripts went unnamed before this test) make it quietly wrong.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
# Folders whose own parts (files and subfolders directly inside) each need a name in their entry.
NAMED_PARTS = ("api", "dashboard", "scripts", "macros", "tests/generic", "models")
UNNAMED = {"__init__.py", "__main__.py"}


def layout_entries() -> dict[str, str]:
    """{path: its text} of the layout block: an entry starts with a path ending in "/" at the line start."""
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Project layout and tests\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    entries: dict[str, str] = {}
    current = None
    for line in block.splitlines():
        match = re.match(r"^(\S+/)\s", line + " ")
        if match:
            current = match.group(1).rstrip("/")
            entries[current] = line[len(match.group(1)):]
        elif current is not None and line.strip():
            entries[current] += " " + line.strip()
    return entries


def tracked_paths() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    return listed.stdout.splitlines()


def parts_of(folder: str, paths: list[str]) -> set[str]:
    prefix = folder + "/"
    return {path[len(prefix):].split("/", 1)[0] for path in paths if path.startswith(prefix)} - UNNAMED


def test_every_top_level_folder_has_an_entry():
    entries = layout_entries()
    top = {path.split("/", 1)[0] for path in tracked_paths() if "/" in path and not path.startswith(".")}
    named = {path.split("/", 1)[0] for path in entries}
    assert top <= named, f"folders missing from the README's layout: {sorted(top - named)}"


def test_every_entry_is_a_folder_of_the_repository():
    missing = [path for path in layout_entries() if not (PROJECT_DIR / path).is_dir()]
    assert not missing, f"the README's layout names folders that do not exist: {missing}"


def test_the_parts_of_each_folder_are_named_in_its_entries():
    entries = layout_entries()
    paths = tracked_paths()
    for folder in NAMED_PARTS:
        # A folder's entry and the entries of its subfolders (models/staging/ ...) together.
        text = " ".join(body for path, body in entries.items() if path == folder or path.startswith(folder + "/"))
        words = set(re.findall(r"[\w.-]+", text.replace("/", " ")))
        subfolders = {path for path in entries if path.startswith(folder + "/")}
        unnamed = sorted(part for part in parts_of(folder, paths)
                         if part not in words and Path(part).stem not in words
                         and f"{folder}/{part}" not in subfolders)
        assert not unnamed, f"{folder}/: not named in the README's layout: {unnamed}"

"""Which files a path names: a file itself, or a folder's derivations and notes, in a stable order (light:
the command line lists them before anything heavy is imported)."""

from __future__ import annotations

import os
import re

from .notes import is_note, starts_with_model
from .results import FileResult


def derivation_files(paths: list[str], every_note: bool = False) -> list[str | FileResult]:
    """In the order of the arguments: each file to check (a folder's YAML files sorted), or a result
    saying why a path cannot be checked (missing, not a regular file, an unreadable folder). A folder's
    notes are those with a model, or with ``every_note`` all of them (submissions need none)."""
    entries: list[str | FileResult] = []
    for path in paths:
        if os.path.isdir(path):
            entries.extend(_folder_files(path, every_note))
        elif os.path.isfile(path):
            entries.append(path)
        elif os.path.exists(path):
            entries.append(FileResult(path, path, error=f"{path}: not a regular file (a pipe or a device)"))
        else:
            entries.append(FileResult(path, path, error=f"{path}: no such file or folder"))
    return entries


def _folder_files(folder: str, every_note: bool = False) -> list[str | FileResult]:
    """A folder's *.yaml and *.yml files and its notes with a model, sorted; links that lead out of the folder
    are not followed."""
    top = os.path.realpath(folder)
    found: list[str | FileResult] = []

    def unreadable(error: OSError) -> None:
        name = error.filename or folder
        found.append(FileResult(name, name, error=f"{name}: cannot read folder: {error.strerror or error}"))

    for root, folders, names in os.walk(folder, onerror=unreadable):
        folders.sort()
        for name in names:
            path = os.path.join(root, name)
            inside = os.path.commonpath([top, os.path.realpath(path)]) == top
            wanted = name.endswith((".yaml", ".yml")) or is_note(path) if every_note else is_derivation_file(path)
            if inside and os.path.isfile(path) and wanted:
                found.append(path)
    found.sort(key=lambda entry: entry if isinstance(entry, str) else entry.path)
    if not found:
        found.append(FileResult(folder, folder, error=f"{folder}: no *.yaml files in this folder"))
    return found


_CLAIMS = re.compile(r"^claims[ \t]*:", re.MULTILINE)


def states_claims(path: str) -> bool:
    """Whether a file given to check is a derivation: a note with a model, or a YAML file with a top-level
    `claims:` line in its first 64 KiB (a look only: the file is read, bounded, when checked)."""
    if is_note(path):
        return _is_note_with_model(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024).decode("utf-8", errors="replace")
    except OSError:
        return True  # checking it says why it cannot be read
    return bool(_CLAIMS.search(head))


def is_derivation_file(path: str) -> bool:
    """What a folder search takes for a derivation: a YAML file, or a note whose beginning shows a model."""
    return path.endswith((".yaml", ".yml")) or _is_note_with_model(path)


def _is_note_with_model(path: str) -> bool:
    """A note whose beginning shows a model (a look at 64 KiB only: it is read, bounded, when checked)."""
    if not is_note(path):
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024).decode("utf-8", errors="replace")
    except OSError:
        return False
    return starts_with_model(head, path)


def submission_files(paths: list[str], key: str) -> list[str | FileResult]:
    """The submissions the paths name: every YAML file and note (a submission needs no front matter), the key
    itself left out."""
    key_file = os.path.abspath(key)
    return [entry for entry in derivation_files(paths, every_note=True)
            if not isinstance(entry, str) or os.path.abspath(entry) != key_file]

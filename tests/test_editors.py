"""What editors and repositories use: `derivcheck init`, the schema line it writes, the pre-commit hook."""

from __future__ import annotations

import json
import shlex

import jsonschema
import yaml

from conftest import ROOT

SCHEMA = json.loads((ROOT / "derivcheck" / "derivation.schema.json").read_text(encoding="utf-8"))


def test_init_writes_starting_files_that_check_clean_and_follow_the_schema(run, tmp_path):
    for option, name in (([], "net.yaml"), (["--forward"], "fwd.yaml")):
        path = tmp_path / name
        done = run("init", *option, str(path))
        assert done.returncode == 0 and f"wrote {path}" in done.stdout
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=file://") and first.endswith("derivation.schema.json")
        jsonschema.validate(yaml.safe_load(text), SCHEMA)
        checked = run("check", "--json", str(path))
        assert checked.returncode == 0, checked.stdout
        claims = json.loads(checked.stdout)["files"][0]["claims"]
        assert [c["verdict"] for c in claims if c["expect"] == "false"] == ["false"]
        assert all(c["verdict"] == "proved" for c in claims if c["expect"] != "false")
    again = run("init", str(tmp_path / "net.yaml"))
    assert again.returncode == 2 and again.stderr.strip() == f"derivcheck: {tmp_path / 'net.yaml'}: already exists; " \
                                                            "init writes a new file only"


def test_the_pre_commit_hook_checks_derivations_and_skips_other_yaml(run, tmp_path):
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    command = shlex.split(hook["entry"])
    assert command[0] == "derivcheck" and hook["id"] == "derivcheck"
    (tmp_path / "ci.yml").write_text("jobs: {test: {runs-on: ubuntu-latest}}\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# a project\n$$a = b$$\n", encoding="utf-8")
    (tmp_path / "hw.yaml").write_text("symbols: [x]\nclaims:\n  - claim: d(x^2)/d(x) = 2*x\n", encoding="utf-8")
    files = [str(tmp_path / name) for name in ("ci.yml", "README.md", "hw.yaml")]
    done = run(*command[1:], *files)
    assert done.returncode == 0 and "1 file, 1 claim: 1 proved" in done.stdout
    (tmp_path / "hw.yaml").write_text("symbols: [x]\nclaims:\n  - claim: d(x^2)/d(x) = x\n", encoding="utf-8")
    assert run(*command[1:], *files).returncode == 1

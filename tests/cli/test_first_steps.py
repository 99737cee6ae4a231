"""A shop folder of its own: `jinli init`, the config lookup order, and the README's first steps run as written."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from shopfolder import FOLDERS, examples

ROOT = Path(__file__).resolve().parents[2]
JINLI = Path(sys.executable).parent / "jinli"
CUSTOMERS = "手机号,姓名,生日,门店\n13800000001,王芳,1985-03-05,总店\n13800000002,李娜,1990-01-20,总店\n"


def first_steps() -> list[str]:
    """The command lines of the README's first-steps block, comments removed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- first steps:[^>]*-->\s*```sh\n(.*?)```", text, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]


def run_line(line: str, cwd: Path, env: dict) -> Path:
    """Run one README line (commands joined by &&) like a shell would; returns the folder it ends in."""
    for command in line.split("&&"):
        words = shlex.split(command)
        if words[0] == "cd":
            cwd = cwd / words[1]
            continue
        assert words[0] == "jinli", line
        done = subprocess.run([str(JINLI), *words[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{command}: {done.stderr}"
        assert "Traceback" not in done.stderr
    return cwd


def test_the_readme_first_steps_work_in_an_empty_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JINLI_", "TWILIO_"))}
    env["JINLI_NOW"] = "2025-06-02T09:00:00+08:00"
    (tmp_path / "myshop").mkdir()
    (tmp_path / "myshop" / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")  # the shop's own spreadsheet
    lines = first_steps()
    assert lines[0].startswith("jinli init myshop") and lines[-1] == "jinli run --dry-run"
    cwd = tmp_path
    for line in lines:
        cwd = run_line(line, cwd, env)
    shop = tmp_path / "myshop"
    assert (shop / "var" / "jinli.sqlite3").is_file()  # the database lives in the shop folder
    assert not (ROOT / "var" / "jinli.sqlite3").exists() or (ROOT / "var" / "jinli.sqlite3").stat().st_mtime < shop.stat().st_mtime
    count = subprocess.run([str(JINLI), "customers", "list", "--format", "csv"], cwd=shop, env=env,
                           capture_output=True, text=True, timeout=120)
    assert count.returncode == 0, count.stderr
    assert "王芳" in count.stdout and "李娜" in count.stdout


def test_init_copies_every_shipped_example_and_makes_var(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "shop")])
    assert result.exit_code == 0, result.output
    shop = tmp_path / "shop"
    assert (shop / "config.toml").read_bytes() == (ROOT / "config.toml").read_bytes()
    assert sorted(p.name for p in (shop / "campaigns").iterdir()) == sorted(p.name for p in (ROOT / "campaigns").glob("*.toml"))
    shipped_templates = sorted(p.name for p in (ROOT / "templates").iterdir() if p.suffix in (".j2", ".toml"))
    assert sorted(p.name for p in (shop / "templates").iterdir()) == shipped_templates
    assert {"approved.toml", "content_rules.toml"} <= set(shipped_templates)
    assert (shop / "calendar" / "holidays.toml").read_bytes() == (ROOT / "calendar" / "holidays.toml").read_bytes()
    assert (shop / "var").is_dir()


def test_the_examples_are_package_data_found_through_importlib_resources():
    found = examples()
    assert (found / "config.toml").is_file()
    for folder, suffixes in FOLDERS:
        names = sorted(item.name for item in (found / folder).iterdir() if item.name.endswith(suffixes))
        shipped = sorted(p.name for p in (ROOT / folder).iterdir() if p.name.endswith(suffixes))
        assert names == shipped, folder  # a new campaign file needs its link in shopfolder/examples/campaigns
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"shopfolder*"' in pyproject and "examples/templates/*.j2" in pyproject


def test_init_refuses_to_overwrite_a_config_in_one_line(tmp_path):
    (tmp_path / "config.toml").write_text("# the shop's own\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"jinli: error: {tmp_path / 'config.toml'} already exists: "
                                                  "jinli init never overwrites a shop's config"]
    assert (tmp_path / "config.toml").read_text(encoding="utf-8") == "# the shop's own\n"
    assert not (tmp_path / "campaigns").exists()


@pytest.fixture
def shop(tmp_path, monkeypatch) -> Path:
    CliRunner().invoke(main, ["init", str(tmp_path / "shop")], catch_exceptions=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "shop"


def where_is_the_database(*args: str, env: dict | None = None) -> str:
    result = CliRunner().invoke(main, [*args, "db", "current"], env=env)
    return result.output


def test_commands_use_the_current_folders_config(shop, monkeypatch):
    monkeypatch.chdir(shop)
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 0, result.output
    assert (shop / "var" / "jinli.sqlite3").is_file()


def test_jinli_home_names_the_shop_folder(shop):
    result = CliRunner().invoke(main, ["db", "current"], env={"JINLI_HOME": str(shop)})
    assert result.exit_code == 0, result.output
    assert (shop / "var" / "jinli.sqlite3").is_file()


def test_config_option_wins_over_jinli_home(shop, tmp_path):
    other = tmp_path / "other"
    CliRunner().invoke(main, ["init", str(other)], catch_exceptions=False)
    result = CliRunner().invoke(main, ["--config", str(other / "config.toml"), "db", "current"],
                                env={"JINLI_HOME": str(shop)})
    assert result.exit_code == 0, result.output
    assert (other / "var" / "jinli.sqlite3").is_file() and not (shop / "var" / "jinli.sqlite3").exists()


def test_without_any_config_one_line_says_to_run_init(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["tiers", "recompute"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"jinli: error: no config.toml in {tmp_path}: run \"jinli init DIR\"")
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere


def test_jinli_home_without_a_config_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["tiers", "recompute"], env={"JINLI_HOME": str(tmp_path)})
    assert result.exit_code == 1
    assert result.output.strip() == f"jinli: error: {tmp_path / 'config.toml'}: config file not found (create a shop folder there with jinli init)"

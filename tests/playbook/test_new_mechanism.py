"""A new mechanism is three files (issue 23): its module, its config module and its test, nothing else.

On a copy of the package, a throwaway mechanism (`giveaway`: official giveaways make everyone talk more) is
added as exactly those three files; its own test and the contract test (tests/playbook/test_contract.py,
which iterates the registry alone) then run on the copy in a fresh interpreter, as a newcomer would run
them: it is registered after every shipped mechanism, configurable from a scenario file, switched off it
changes nothing and switched on it moves its documented outcome. A copy missing one side fails on import
with an error naming the missing file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The files of the repository the copy needs to run the contract test (besides the package itself).
TEST_FILES = ("pyproject.toml", "tests/__init__.py", "tests/conftest.py", "tests/playbook/__init__.py")

CONFIG = '''\
"""The scenario section of a giveaway (a throwaway mechanism: tests/playbook/test_new_mechanism.py)."""

from pydantic import Field

from sim.config.section import MechanismSection


class GiveawayConfig(MechanismSection):
    """Giveaways: the brand's prizes make everyone talk more about the product."""

    position = 20

    talk_boost: float = Field(1.0, ge=1, le=10, description="Multiplier on everyone's talk.")
'''

MECHANISM = '''\
"""Giveaways: everyone talks more (a throwaway mechanism: tests/playbook/test_new_mechanism.py)."""

from sim.playbook.base import RAISES, Effect, Mechanism


class Giveaway(Mechanism):
    """Everyone talks talk_boost times more."""

    section = "giveaway"
    turn = 20
    factor = "accelerator"
    effect = Effect("adopted_total", RAISES, "more talk brings more adopters")
    example_settings = ("giveaway.talk_boost=3",)

    def talk_multiplier(self, view, people, day):
        return self.cfg.talk_boost
'''

TEST = '''\
"""The giveaway mechanism (its contract is checked by tests/playbook/test_contract.py)."""

import pytest

from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario
from sim.config.schema import LAST_SECTIONS, Scenario
from sim.playbook.registry import MECHANISMS, factor_sections


def test_giveaway_acts_last_and_its_section_comes_after_every_mechanism_section():
    assert [m.__name__ for m in MECHANISMS][-2:] == ["SocialValue", "Giveaway"]
    assert list(Scenario.model_fields)[-2 - len(LAST_SECTIONS):] == ["social_value", "giveaway", *LAST_SECTIONS]
    assert "giveaway" in factor_sections()["accelerator"]


def test_giveaway_is_configured_from_a_scenario_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[giveaway]\\nenabled = true\\ntalk_boost = 2.5\\n")
    assert load_scenario(path).giveaway.talk_boost == 2.5
    path.write_text("[giveaway]\\ntalk_bost = 2.5\\n")
    with pytest.raises(ScenarioError, match="giveaway.talk_bost"):
        load_scenario(path)
'''


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the package and of the files the contract test needs, without compiled files."""
    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    for name in TEST_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "tests/playbook/test_contract.py", tmp_path / "tests/playbook/test_contract.py")
    return tmp_path


def add(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).write_text(text)


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Python with the copy's package first on the path, in the copy."""
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=600)


def test_a_mechanism_added_as_three_files_is_registered_configured_and_keeps_the_contract(copy):
    add(
        copy,
        {
            "sim/config/mechanisms/giveaway.py": CONFIG,
            "sim/playbook/giveaway.py": MECHANISM,
            "tests/playbook/test_giveaway.py": TEST,
        },
    )
    contract = "test_every_mechanism_section or giveaway"
    done = run(copy, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "tests/playbook", "-k", contract)
    # its 2 tests, the contract's coverage test and its 3 contract tests (off, same seed, on)
    assert done.returncode == 0 and "6 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ("sim/config/mechanisms/giveaway.py", "sim/playbook/giveaway.py (its Mechanism) is missing"),
        ("sim/playbook/giveaway.py", "its config section sim/config/mechanisms/giveaway.py is missing"),
    ],
)
def test_a_mechanism_missing_a_side_fails_on_import_naming_the_missing_file(copy, present, missing):
    add(copy, {present: CONFIG if present.startswith("sim/config") else MECHANISM})
    done = run(copy, "-c", "import sim.playbook.playbook")
    assert done.returncode != 0 and missing in done.stderr, done.stderr[-3000:]


def test_the_copy_without_additions_imports(copy):
    """The copy itself is sound, so the failures above come from the missing side alone."""
    done = run(copy, "-c", "import sim.playbook.playbook")
    assert done.returncode == 0, done.stderr[-3000:]


def test_sections_of_a_module_are_checked(copy):
    """A config module with two mechanism sections, or two modules at one position, fail on import."""
    two = CONFIG + textwrap.dedent('''

        class OtherConfig(MechanismSection):
            """A second section in the same module."""

            position = 21
    ''')
    add(copy, {"sim/config/mechanisms/giveaway.py": two})
    done = run(copy, "-c", "import sim.config.schema")
    assert done.returncode != 0 and "must define exactly one MechanismSection subclass" in done.stderr
    add(copy, {"sim/config/mechanisms/giveaway.py": CONFIG.replace("position = 20", "position = 12")})
    done = run(copy, "-c", "import sim.config.schema")
    assert done.returncode != 0 and "both take position 12" in done.stderr, done.stderr[-3000:]

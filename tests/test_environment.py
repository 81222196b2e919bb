"""Keep the environment files, the Quarto configuration and the bibliography in step.

- every pin in requirements.in (the direct dependencies) appears once in environment.yml with the same
  version (as a conda dependency, under a documented name mapping, or under pip:);
- the Quarto pin is the same in requirements-quarto.txt, environment.yml and
  the GitHub workflow;
- _quarto.yml parses and points at files that exist;
- every @citation in a root-level *.qmd exists in references.bib;
- every DOI in references.bib is syntactically valid, and pandoc citeproc
  formats every entry with the project's CSL.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# conda-forge name -> PyPI name, where they differ beyond PEP 503 normalisation
# (documented in environment.yml's header).
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}
# Conda dependencies that are not Python requirements.
CONDA_EXTRAS = {"python", "pip", "quarto"}

# Quarto cross-reference prefixes: `@fig-x` etc. are not citations.
# https://quarto.org/docs/authoring/cross-references.html
CROSSREF_PREFIXES = (
    "fig", "tbl", "sec", "eq", "lst", "thm", "lem", "cor", "prp", "cnj",
    "def", "exm", "exr", "sol", "rem", "nte", "tip", "wrn", "imp", "cau",
)


# --------------------------------------------------------------- helpers ----

def normalise(name: str) -> str:
    """PEP 503 name normalisation (jupyter_client == jupyter-client)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """`name==version` lines of a pip requirements file, comments ignored."""
    pins: dict[str, str] = {}
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;]+)", line)
        assert m, f"{path.name}:{lineno}: not an exact 'name==version' pin: {raw!r}"
        pins[normalise(m.group(1))] = m.group(2)
    return pins


def conda_spec(spec: str) -> tuple[str, str]:
    """Split a conda match spec such as 'numpy==2.4.6' or 'python=3.11'."""
    m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:={1,2}\s*(\S+))?", spec.strip())
    assert m, f"environment.yml: cannot parse dependency {spec!r}"
    return m.group(1), m.group(2) or ""


def environment() -> tuple[dict[str, str], dict[str, str]]:
    """(conda deps, pip deps) of environment.yml as {name: version}."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda: dict[str, str] = {}
    pip: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for spec in dep["pip"]:
                m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", spec.strip())
                assert m, f"environment.yml pip: needs an exact pin: {spec!r}"
                pip[m.group(1)] = m.group(2)
        else:
            name, version = conda_spec(dep)
            conda[name] = version
    return conda, pip


def strip_non_prose(text: str) -> str:
    """Remove YAML front matter, fenced code, inline code and HTML comments."""
    text = re.sub(r"\A---\n.*?\n(?:---|\.\.\.)\n", "", text, flags=re.S)
    text = re.sub(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", "", text, flags=re.S | re.M)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"(`+)(?!`).+?(?<!`)\1(?!`)", "", text, flags=re.S)
    return text


_KEY = r"[A-Za-z0-9_](?:[A-Za-z0-9_]|[:.#$%&\-+?<>~/](?=[A-Za-z0-9_]))*"


def cited_keys(markdown: str) -> set[str]:
    """Pandoc citation keys (`@key`, `[@key]`, `[-@key]`, `@{key}`) in prose."""
    prose = strip_non_prose(markdown)
    keys = set(re.findall(r"(?<![A-Za-z0-9_])-?@\{([^}\s]+)\}", prose))
    keys |= set(re.findall(rf"(?<![A-Za-z0-9_@]){'-?'}@({_KEY})", prose))
    return {k for k in keys if not re.match(rf"(?:{'|'.join(CROSSREF_PREFIXES)})-", k)}


def parse_bib(text: str) -> dict[str, dict[str, str]]:
    """Minimal BibTeX reader: {key: {field: value}}; values keep inner braces."""
    entries: dict[str, dict[str, str]] = {}
    i = 0
    while (at := text.find("@", i)) != -1:
        m = re.compile(r"@([A-Za-z]+)\s*[{(]").match(text, at)
        if not m:
            i = at + 1
            continue
        kind = m.group(1).lower()
        depth, j = 1, m.end()
        while depth and j < len(text):
            depth += {"{": 1, "(": 0, "}": -1}.get(text[j], 0)
            j += 1
        body = text[m.end(): j - 1]
        i = j
        if kind in {"comment", "string", "preamble"}:
            continue
        key, _, rest = body.partition(",")
        key = key.strip()
        assert key not in entries, f"references.bib: duplicate key {key!r}"
        fields: dict[str, str] = {}
        k = 0
        while (fm := re.compile(r"\s*([A-Za-z][\w-]*)\s*=\s*").match(rest, k)):
            name, k = fm.group(1).lower(), fm.end()
            if rest[k] == "{":
                depth, start = 1, k + 1
                k += 1
                while depth:
                    depth += {"{": 1, "}": -1}.get(rest[k], 0)
                    k += 1
                value = rest[start: k - 1]
            elif rest[k] == '"':
                end = rest.index('"', k + 1)
                value, k = rest[k + 1: end], end + 1
            else:
                vm = re.compile(r"[^,\s]+").match(rest, k)
                value, k = vm.group(0), vm.end()
            fields[name] = value.strip()
            cm = re.compile(r"\s*,?").match(rest, k)
            k = cm.end()
        fields["ENTRYTYPE"] = kind
        entries[key] = fields
    return entries


# A DOI is "10." + registrant code + "/" + suffix without whitespace
# (DOI Handbook §2.2); SICI-style suffixes (Wiley, 1998) contain <>;: too.
DOI_RE = re.compile(r"10\.\d{4,9}/\S+")


def valid_doi(doi: str) -> bool:
    return bool(DOI_RE.fullmatch(doi)) and not doi.endswith((".", ",")) and "doi.org" not in doi


BIB = parse_bib((ROOT / "references.bib").read_text(encoding="utf-8"))
QUARTO = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
QMD_FILES = sorted(ROOT.glob("*.qmd"))


# ---------------------------------------------------- environment files ----

def test_every_requirement_is_in_environment_yml_with_the_same_version():
    reqs = read_pins(ROOT / "requirements.in")
    conda, pip = environment()
    found: dict[str, list[tuple[str, str]]] = {}
    for name, version in conda.items():
        if name in CONDA_EXTRAS:
            continue
        pypi = normalise(CONDA_TO_PYPI.get(name, name))
        found.setdefault(pypi, []).append(("conda " + name, version))
    for name, version in pip.items():
        found.setdefault(normalise(name), []).append(("pip " + name, version))

    missing = sorted(set(reqs) - set(found))
    extra = sorted(set(found) - set(reqs))
    assert not missing, f"in requirements.in but not environment.yml: {missing}"
    assert not extra, f"in environment.yml but not requirements.in: {extra}"
    for name, version in reqs.items():
        where = found[name]
        assert len(where) == 1, f"{name} listed more than once in environment.yml: {where}"
        assert where[0][1] == version, (
            f"{name}: requirements.in pins {version}, environment.yml has "
            f"{where[0][1] or 'no version'} ({where[0][0]})")


def test_environment_yml_uses_python_311_from_conda_forge():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, _ = environment()
    assert env["channels"] == ["conda-forge"]
    assert conda["python"] == "3.11"


def quarto_pins() -> dict[str, str]:
    pins = {"requirements-quarto.txt": read_pins(ROOT / "requirements-quarto.txt")["quarto-cli"]}
    conda, _ = environment()
    pins["environment.yml"] = conda["quarto"]
    workflow = yaml.safe_load((ROOT / ".github/workflows/render.yml").read_text(encoding="utf-8"))
    setups = [step for job in workflow["jobs"].values() for step in job.get("steps", [])
              if str(step.get("uses", "")).startswith("quarto-dev/quarto-actions/setup@")]
    assert setups, "render.yml must set up Quarto"
    for k, step in enumerate(setups):  # each job that needs Quarto sets it up, with the same pin
        pins[f"render.yml step {k + 1}"] = str(step.get("with", {}).get("version", ""))
    # .ci/run installs Quarto from ../shared/quarto only when that optional folder is
    # there (with the installer of the pin's minor version), and then checks the
    # installed version against the pin itself
    return pins


def test_ci_installs_the_pinned_minor_version():
    pin = read_pins(ROOT / "requirements-quarto.txt")["quarto-cli"]
    minor = ".".join(pin.split(".")[:2])
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installers = set(re.findall(r"\.\./shared/quarto/(install[\w.-]*\.sh)", run))
    assert installers == {f"install-{minor}.sh"}, installers
    assert f"/opt/quarto-{minor}" in run


def test_quarto_pin_is_the_same_everywhere():
    pins = quarto_pins()
    assert len(set(pins.values())) == 1, f"Quarto pins disagree: {pins}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", pins["render.yml step 1"]), pins


def test_quarto_pin_is_at_least_1_6():
    major, minor, _ = (int(x) for x in quarto_pins()["render.yml step 1"].split("."))
    assert (major, minor) >= (1, 6), "inline {python} expressions and typst citeproc need >= 1.6"


# ------------------------------------------------------------ _quarto.yml ----

def test_quarto_yml_points_at_existing_bibliography_and_csl():
    for key in ("bibliography", "csl"):
        assert (ROOT / QUARTO[key]).is_file(), f"_quarto.yml {key}: {QUARTO[key]} does not exist"


def test_quarto_yml_render_targets_exist():
    targets = QUARTO["project"]["render"]
    assert targets == ["report.qmd", "handout.qmd", "slides.qmd", "index.qmd"]
    missing = [t for t in targets if not (ROOT / t).is_file()]
    assert not missing, f"_quarto.yml renders files that do not exist: {missing}"


def test_quarto_yml_outputs_and_formats():
    assert QUARTO["project"]["output-dir"] == "_output"
    html, typst = QUARTO["format"]["html"], QUARTO["format"]["typst"]
    assert html["embed-resources"] is True
    assert html["html-math-method"] == "mathml"
    assert typst["citeproc"] is True, "without citeproc Typst ignores the CSL"
    assert typst["papersize"] == "a4"
    assert QUARTO["number-sections"] is True, "@sec- references need number-sections"


def test_csl_keeps_its_licence_header():
    csl = (ROOT / QUARTO["csl"]).read_text(encoding="utf-8")
    assert 'license="http://creativecommons.org/licenses/by-sa/3.0/"' in csl
    assert "<id>http://www.zotero.org/styles/american-medical-association</id>" in csl


# --------------------------------------------------------- bibliography ----

def test_citation_extractor_finds_citations_and_ignores_the_rest():
    sample = (
        "---\nauthor: someone@example.org\n---\n"
        "As shown [@younger2013fibromyalgia; @altman2011ci, p. 2], and @holm1979simple "
        "says; see also [-@wilson1927probable] and @{cohen1988statistical}.\n"
        "Mail user@example.com. See @fig-forest, @tbl-flow and @sec-methods.\n"
        "Inline `@notacitation` code.\n"
        "```{python}\n@dataclass\nclass X: ...\n```\n"
        "<!-- @commented -->\n"
        "End of sentence @riley2011interpretation.\n"
    )
    assert cited_keys(sample) == {
        "younger2013fibromyalgia", "altman2011ci", "holm1979simple",
        "wilson1927probable", "cohen1988statistical", "riley2011interpretation",
    }


@pytest.mark.parametrize("qmd", QMD_FILES, ids=[p.name for p in QMD_FILES])
def test_every_citation_in_a_qmd_is_in_references_bib(qmd):
    missing = sorted(cited_keys(qmd.read_text(encoding="utf-8")) - set(BIB))
    assert not missing, f"{qmd.name} cites keys missing from references.bib: {missing}"


def test_bib_parser_reads_fields():
    parsed = parse_bib('@article{k1, title = {A {B} c}, year = 1999, doi = "10.1/x"}\n@comment{x}')
    assert parsed == {"k1": {"title": "A {B} c", "year": "1999", "doi": "10.1/x",
                             "ENTRYTYPE": "article"}}


def test_doi_validator_rejects_malformed_dois():
    assert valid_doi("10.1002/(SICI)1097-0258(19980430)17:8<873::AID-SIM779>3.0.CO;2-I")
    for bad in ("https://doi.org/10.1136/bmj.d2090", "10.1136/ bmj.d2090",
                "doi:10.1136/bmj.d2090", "10.12/x", "10.1136/bmj.d2090."):
        assert not valid_doi(bad), bad


def test_every_doi_in_references_bib_is_valid():
    dois = {k: e["doi"] for k, e in BIB.items() if "doi" in e}
    assert len(dois) >= 25, "most sources have DOIs; did the parser lose them?"
    bad = {k: d for k, d in dois.items() if not valid_doi(d)}
    assert not bad, f"malformed DOIs: {bad}"


def test_every_entry_without_doi_says_why():
    for key, entry in BIB.items():
        if "doi" not in entry:
            assert "note" in entry, f"{key} has no DOI and no note explaining why"


def test_pandoc_citeproc_formats_every_entry_with_the_csl(tmp_path):
    from render.pipeline import pandoc_path  # the lock's pandoc, as the renderer runs it
    doc = tmp_path / "cite.md"
    doc.write_text(" ".join(f"[@{k}]" for k in BIB) + "\n", encoding="utf-8")
    run = subprocess.run(
        [pandoc_path(), str(doc), "--citeproc", "-t", "html",
         f"--bibliography={ROOT / QUARTO['bibliography']}", f"--csl={ROOT / QUARTO['csl']}"],
        capture_output=True, text=True, timeout=60, check=True)
    assert "WARNING" not in run.stderr, run.stderr
    assert run.stdout.count('<div id="ref-') == len(BIB)
    # AMA is a numeric style: first citation renders as superscript 1.
    assert "<sup>1</sup>" in run.stdout

"""GX Data Docs of a year's validation: built by GX, then made to open offline.

GX's page templates load their libraries from CDNs and end with a newsletter link, and GX has no
setting for either. So once GX has written the site, each CDN address becomes the local copy in
``data_docs_assets/`` (same version; see its README), the newsletter is dropped, GX's random ids
are numbered in order (a rebuild gives the same bytes) and unused static files are left out. A
page that would still load anything from the internet stops the build.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from html import escape
from pathlib import Path

from complaints.checks import validation
from complaints.years import ReportingYear

#: Where the validation notebook builds GX Data Docs, inside the year's ``validation/`` folder.
DATA_DOCS_DIR = "data_docs"
ASSETS_DIR = Path(__file__).with_name("data_docs_assets")
#: The local copy in ASSETS_DIR of every address GX 1.24's templates load from the internet.
_README = (ASSETS_DIR / "README.md").read_text("utf-8")
LOCAL_COPIES = {
    url: local for local, url in re.findall(r"^\| `([^`]+)` \| `(https://[^`]+)` \|", _README, re.M)
}
_VENDOR = "static/vendor/"
_GX_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.us-east-2\.amazonaws\.com/"
    r"(?:logo-long|full_logo_dark)\.png(?:\?d=[0-9T.]+Z)?"
)
_FAVICON = re.compile(r'"(?:\.\./)*static/images/favicon\.ico"')
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
# Subresource integrity and CORS mode fail on file: pages (the copies match GX's hashes).
_INTEGRITY = re.compile(r'\s+integrity="sha384-[^"]*"\s+crossorigin="anonymous"')
_NEWSLETTER = re.compile(r"<footer>\s*<p>[^<]*newsletter.*?</footer>", re.DOTALL)
#: A link out of the site (GX's attribution): kept as its text, so no page links the internet.
_LINK_OUT = re.compile(r'<a href="https?://[^"]*">([^<]*)</a>')
#: A resource a page would load from the internet (a script, stylesheet, image or CSS url()).
_REMOTE_RESOURCE = re.compile(
    r"""<(?:script|link|img)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//"""
)


def escape_strings(value: object) -> object:
    """``value`` with every string in it HTML-escaped (through mappings, lists and tuples)."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, Mapping):
        return type(value)((k, escape_strings(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(escape_strings(v) for v in value)
    return value


def localise_page(text: str, to_root: str) -> str:
    """A page GX wrote, made to open offline (``to_root``: from the page's folder to the site)."""
    for url, local in LOCAL_COPIES.items():
        text = text.replace(f'"{url}"', f'"{to_root}{_VENDOR}{local}"')
    text = _GX_LOGO.sub(f"{to_root}static/images/logo-long.png", text)
    text = _FAVICON.sub(f'"{to_root}static/images/favicon.ico"', text)  # GX's is a level short
    text = _LINK_OUT.sub(r"\1", _NEWSLETTER.sub("", _INTEGRITY.sub("", text)))
    numbers: dict[str, str] = {}
    return _UUID.sub(
        lambda m: numbers.setdefault(m[0], f"00000000-0000-4000-8000-{len(numbers) + 1:012d}"), text
    )


def _store_results(context, result: validation.ValidationResult) -> None:
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types import resource_identifiers as ids

    # the year's last day, not the clock: the same pages each build
    end = dt.datetime(ReportingYear.parse(result.year).start + 1, 3, 31, tzinfo=dt.UTC)
    run_id = RunIdentifier(run_name=f"complaints-{result.year}", run_time=end)
    for name in sorted(result.suite_results):
        suite_id = ids.ExpectationSuiteIdentifier(name=name)
        context.suites.add(validation.load_suite(name))  # GX's page of the suite
        # a copy without times, the strings from the data HTML-escaped (GX's renderer puts
        # values and parameters into the page unescaped)
        suite_result = copy.deepcopy(result.suite_results[name])
        for item in suite_result.results:
            item.result = escape_strings(item.result)
            item.exception_info = escape_strings(item.exception_info)
            kwargs = item.expectation_config.kwargs
            kwargs.update({k: escape_strings(v) for k, v in kwargs.items()})
        meta = {k: v for k, v in suite_result.meta.items() if k not in validation.VOLATILE}
        suite_result.meta = {**meta, "run_id": run_id}
        context.validation_results_store.store_validation_results(
            suite_validation_result=suite_result,
            suite_validation_result_identifier=ids.ValidationResultIdentifier(
                expectation_suite_identifier=suite_id, run_id=run_id, batch_identifier=name
            ),
            expectation_suite_identifier=suite_id,
        )


def _localise_site(site: Path) -> None:
    shutil.copytree(ASSETS_DIR, site / _VENDOR, ignore=shutil.ignore_patterns("README.md"))
    texts = []
    for page in sorted(site.rglob("*.html")):
        to_root = os.path.relpath(site, page.parent).replace(os.sep, "/") + "/"
        text = localise_page(page.read_text(encoding="utf-8"), "" if to_root == "./" else to_root)
        if remote := _REMOTE_RESOURCE.search(text):
            raise RuntimeError(
                f"GX Data Docs page {page.relative_to(site)} would load {remote[0]!r} from the "
                "internet: add a local copy to complaints/checks/data_docs_assets"
            )
        page.write_text(text, encoding="utf-8")
        texts.append(text)
    everything = "\n".join(texts)
    for path in sorted((site / "static").rglob("*"), reverse=True):
        if path.is_file() and _VENDOR not in path.as_posix() + "/" and path.name not in everything:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def build_data_docs(result: validation.ValidationResult, target_dir: Path | str) -> Path:
    """Render GX Data Docs for ``result`` into ``target_dir`` (built beside it, then swapped in
    for what it held); returns its ``index.html``."""
    gx = validation.gx_context()["gx"]
    target = Path(target_dir).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        context = gx.get_context(mode="ephemeral", project_config=validation.context_config())
        backend = {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(building)}
        site = {"class_name": "SiteBuilder", "show_how_to_buttons": False, "store_backend": backend}
        context.add_data_docs_site(site_name="validation", site_config=site)
        _store_results(context, result)
        context.build_data_docs(site_names=["validation"])
        # GX logs a page it fails to render and carries on: check every page is there.
        pages = {p.stem for p in (building / "validations").rglob("*.html")}
        missing = sorted(set(result.suite_results) - pages)
        if missing or not (building / "index.html").is_file():
            raise RuntimeError(
                f"GX Data Docs were not built for {', '.join(missing) or 'the index'}: "
                "see the GX messages logged above"
            )
        _localise_site(building)
        if target.exists():
            shutil.rmtree(target)
        building.rename(target)
    finally:  # nothing left of a failed build (after a good one, nothing to remove)
        shutil.rmtree(building, ignore_errors=True)
    return Path(target_dir) / "index.html"

"""The pytest plugin: options, markers, and the wiring of sites, prober, tests and results.

Loaded through the ``pytest11`` entry point (so ``--sites /abs/path`` works from anywhere,
docs/performance.md). Hooks here only delegate; the work is in the modules they name. The suite
is active when the run includes the catalogue's folder (``tests/`` by default); other runs
(the project's own tests, say) only see the options.

On the controller, :func:`_start` builds the run's :class:`~._session.CompatSession` and
registers the plugin objects that do its work beside it, the way pytest-xdist registers its
``DSession`` and pytest-html its report: ``Probing``, ``Outcomes``, ``Writing``,
``TerminalNotes`` and (with pytest-html) ``HtmlReport``. A configuration mistake stops the run
before any request with one line per problem (exit status 4), never a traceback.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ._catalogue import load_catalogue
from ._config import BACKENDS, DEFAULT_ACCEPT_LANGUAGE, LANGUAGES, Settings, executes_tests, parse_shard, run_id
from ._errors import ConfigError
from ._expectations import Manifests
from ._state import STATE_KEY, SuiteState
from ._store import RunStore
from ._suite import ENDPOINT, ENDPOINT_MARK, PROPERTY, SITE, item_key, one_line_report

if TYPE_CHECKING:  # the controller's machinery is imported only where it runs (see _start)
    from ._session import CompatSession
    from ._sites import Site

#: Where pytest_cmdline_main leaves the run's output set for pytest_configure.
OUTPUTS_KEY = pytest.StashKey["OutputSet"]()

BACKEND_MARKS = {backend: backend.replace("-", "_") for backend in BACKENDS}


def _shard(text: str) -> tuple[int, int]:
    try:
        return parse_shard(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _whole_number(minimum: int):  # type: ignore[no-untyped-def]
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
        return value

    return parse


def _days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of days > 0, got {text!r}")
    return value


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import _hookspecs

    pluginmanager.add_hookspecs(_hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("relaycompat", "relay site compatibility suite")
    group.addoption("--sites", action="append", default=None, metavar="PATH",
                    help="Site file or folder of *.yaml site files to probe (repeatable; replaces the default sites/ folder)")
    group.addoption("--allow-side-effect", action="append", default=None, metavar="NAME",
                    help="Also call the endpoints with this side effect (repeatable): rotate-token (GET /api/user/token "
                         "kills the access token in your site file!), reveal-key (POST /api/token/:id/key, audited), "
                         "checkin (POST /api/user/checkin claims the day's quota), create-token (one-hub's "
                         "GET /api/token/playground), or all. They run after every other probe; what they return is masked")
    group.addoption("--allow-mutating", action="store_true", default=False,
                    help="The older spelling of --allow-side-effect rotate-token (GET /api/user/token rotates the access token!)")
    group.addoption("--report-dir", default=None, metavar="DIR",
                    help="Where results.json and the reports go (default: reports/ under the project root)")
    group.addoption("--report-lang", choices=LANGUAGES, default=LANGUAGES[0],
                    help="Language of the Markdown report's labels (default: zh)")
    group.addoption("--baseline", default=None, metavar="PATH",
                    help="An earlier results.json: the reports then open with what changed since")
    group.addoption("--shard", type=_shard, default=None, metavar="K/N",
                    help="Probe only the K-th of N deterministic shares of the sites (e.g. 2/3)")
    group.addoption("--max-in-flight", type=_whole_number(1), default=None, metavar="N",
                    help="Requests in flight at once per site, for every site (default: the site's max_in_flight, 4)")
    group.addoption("--retries", type=_whole_number(0), default=1, metavar="N",
                    help="Extra attempts after a transport error, 429 or 5xx (never after schema or auth results; default 1)")
    group.addoption("--accept-language", default=DEFAULT_ACCEPT_LANGUAGE, metavar="VALUE",
                    help="Accept-Language sent to the sites (it decides the language of new-api's messages)")
    history = parser.getgroup("relaycompat-history", "relaycompat history across runs (docs/history.md)")
    history.addoption("--history", default=None, metavar="PATH",
                      help="SQLite history file: record this run in it (created if missing) and show the history in the reports")
    history.addoption("--run-id", default=None, metavar="ID",
                      help="The id this run is recorded under; shards of one run must share it "
                           "(default: github-$GITHUB_RUN_ID in GitHub Actions, else a new id)")
    history.addoption("--history-keep-days", type=_days, default=None, metavar="DAYS",
                      help="After recording, delete the runs that started more than DAYS days before this one (default: keep all)")
    # history.Thresholds' defaults, written out: a run without --history never imports the history package.
    history.addoption("--history-down-after", type=_whole_number(1), default=3, metavar="N",
                      help="Failing runs in a row before a site or endpoint is called down (default 3, as Gatus)")
    history.addoption("--history-up-after", type=_whole_number(1), default=2, metavar="N",
                      help="Ok runs in a row before a site or endpoint that was down is called back up (default 2, as Gatus)")
    history.addoption("--history-flapping", type=_whole_number(1), default=4, metavar="N",
                      help="Changes between passing and failing within the last 20 runs that mark a site or endpoint flapping (default 4)")
    parser.addini("relaycompat_catalogue", "Endpoint catalogue, relative to the project root", default="tests/endpoints.yaml")
    parser.addini("relaycompat_sites", "Default folder of site files, relative to the project root", default="sites")
    parser.addini("relaycompat_schemas", "Folder of per-backend JSON Schemas, relative to the project root", default="schemas")
    parser.addini("relaycompat_manifests", "Folder of per-backend expectation manifests", default="manifests")
    parser.addini("relaycompat_report_dir", "Default report folder, relative to the project root", default="reports")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{ENDPOINT_MARK}(id): the catalogue endpoint a test probes")
    for kind, text in (("public", "called without credentials"), ("user", "called with the access token"),
                       ("relay", "called with the relay key (api_key)")):
        config.addinivalue_line("markers", f"auth_{kind}: endpoint {text}")
    config.addinivalue_line("markers", "mutating: endpoint with a side effect; needs --allow-side-effect NAME")
    for backend, mark in BACKEND_MARKS.items():
        config.addinivalue_line("markers", f"{mark}: sites whose declared backend is {backend}")
    config.addinivalue_line("markers", "backend_undeclared: sites whose file declares no backend")

    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        if PROPERTY in workerinput:
            config.stash[STATE_KEY] = SuiteState.from_workerinput(workerinput[PROPERTY])
            config.option.tbstyle = workerinput[PROPERTY].get("tbstyle", config.option.tbstyle)
        return
    misread = _option_value_taken_for_a_path(config)
    if misread:
        raise pytest.UsageError(misread)
    if not _suite_requested(config):
        return
    from ._signals import interrupt_on_sigterm

    config.add_cleanup(interrupt_on_sigterm())  # SIGTERM (a CI cancel) ends the run as Ctrl-C does
    try:
        _start(config)
    except ConfigError as exc:
        raise pytest.UsageError("\n".join(f"relaycompat: {p}" for p in exc.problems)) from None


def _root_path(config: pytest.Config, ini: str) -> Path:
    return (config.rootpath / str(config.getini(ini))).resolve()


def _report_dir(config: pytest.Config) -> Path:
    option = config.option
    return Path(option.report_dir).resolve() if option.report_dir else _root_path(config, "relaycompat_report_dir")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Before any plugin's pytest_configure (controller only): check that the report folder can
    be written and start staging the run's output set there (:mod:`._outputs`), and make
    pytest-html default to a self-contained report.html in that set, with the suite's stylesheet;
    a run of the suite alone gets the compact terminal defaults (relaycompat/_summary.py)."""
    if not _suite_requested(config) or hasattr(config, "workerinput"):
        return
    from .reports._pytest_html import html_defaults

    folder = _report_dir(config)
    if executes_tests(config.option):
        from ._outputs import OutputSet

        try:
            outputs = OutputSet.open(folder)
        except ConfigError as exc:
            raise pytest.UsageError(f"relaycompat: {exc}") from None
        config.add_cleanup(outputs.discard)
        config.stash[OUTPUTS_KEY] = outputs
        folder = outputs.staging
    html_defaults(config, folder)
    if _suite_only(config):
        from ._summary import apply_compact_defaults

        apply_compact_defaults(config)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    from ._order import auto_workers

    return auto_workers(_suite_requested(config) and _suite_only(config))


def _option_value_taken_for_a_path(config: pytest.Config) -> str | None:
    """Pytest looks for the project root before it loads plugins, so in ``--report-dir /x`` it
    takes an existing ``/x`` for a path to test, and the root (and pyproject.toml) is lost."""
    if config.inipath is not None:
        return None
    given = [("--report-dir", config.option.report_dir), ("--baseline", config.option.baseline),
             ("--history", config.option.history)]
    given += [("--sites", value) for value in config.option.sites or ()]
    for flag, value in given:
        if not value:
            continue
        path = Path(value).resolve()
        if config.rootpath in (path, path.parent) or config.rootpath in path.parents:
            return (f"relaycompat: pytest read the value of {flag} as a path to test and lost the project root "
                    f"(it found no pyproject.toml above {config.rootpath}); write {flag}={value} (with '=')")
    return None


def _suite_requested(config: pytest.Config) -> bool:
    tests_dir = _root_path(config, "relaycompat_catalogue").parent
    for arg in config.args:
        path = Path(str(arg).split("::", 1)[0])
        path = (config.invocation_params.dir / path).resolve()
        if path == tests_dir or tests_dir in path.parents or path in tests_dir.parents:
            return True
    return False


def _suite_only(config: pytest.Config) -> bool:
    """True when every path the run collects lies in the suite's folder (``tests/``)."""
    tests_dir = _root_path(config, "relaycompat_catalogue").parent
    for arg in config.args:
        path = (config.invocation_params.dir / str(arg).split("::", 1)[0]).resolve()
        if not (path == tests_dir or tests_dir in path.parents):
            return False
    return True


def _selects_everything(config: pytest.Config) -> bool:
    """True when the run will surely collect every endpoint test of every site.

    Then probing starts now, while xdist workers start and collect (~1 s saved), instead of
    after collection. Anything that may narrow or skip the run (-k, -m, --deselect, --lf,
    --sw, --ignore, --collect-only, a node id) means: wait for the collection.
    """
    o = config.option
    narrowing = (o.keyword, o.markexpr, o.deselect, getattr(o, "lf", False), getattr(o, "stepwise", False),
                 o.ignore, o.ignore_glob)
    if any(narrowing) or not executes_tests(o):
        return False
    tests_file = _root_path(config, "relaycompat_catalogue").parent / "test_endpoints.py"
    for arg in config.args:
        if "::" in str(arg):
            return False
        path = (config.invocation_params.dir / str(arg)).resolve()
        if not (path == tests_file or path in tests_file.parents):
            return False
    return True


def _settings(config: pytest.Config) -> Settings:
    option = config.option
    report_dir = _report_dir(config)
    return Settings(
        catalogue=str(_root_path(config, "relaycompat_catalogue")),
        schemas_dir=str(_root_path(config, "relaycompat_schemas")),
        manifests_dir=str(_root_path(config, "relaycompat_manifests")),
        report_dir=str(report_dir),
        side_effects=_side_effects(option),
        retries=option.retries,
        max_in_flight=option.max_in_flight,
        accept_language=option.accept_language,
        report_lang=option.report_lang,
        baseline=str(Path(option.baseline).resolve()) if option.baseline else None,
        shard=option.shard,
        run_id=run_id(option.run_id),
    )


def _side_effects(option: Any) -> tuple[str, ...]:
    """The side effects the command line allows (checked against the catalogue in :func:`_start`)."""
    named = [part.strip() for value in (option.allow_side_effect or []) for part in value.split(",") if part.strip()]
    if option.allow_mutating:
        named.append("rotate-token")
    return tuple(dict.fromkeys(named))


def _check_side_effects(settings: Settings, known: list[str]) -> Settings:
    unknown = [name for name in settings.side_effects if name not in known and name != "all"]
    if unknown:
        raise ConfigError(f"--allow-side-effect {', '.join(unknown)}: no such side effect "
                          f"(known: {', '.join(known)}, or all)")
    if "all" in settings.side_effects:
        return replace(settings, side_effects=tuple(known))
    return settings


def _sites(config: pytest.Config, shard: tuple[int, int] | None) -> tuple[Site, ...]:
    from ._sites import load_sites, site_files
    from .emulator import profile_names

    given = config.option.sites
    locations = [config.invocation_params.dir / p for p in given] if given else [_root_path(config, "relaycompat_sites")]
    sites = load_sites(site_files(locations), profiles=profile_names())
    if shard is not None:
        k, n = shard
        sites = tuple(site for index, site in enumerate(sites) if index % n == k - 1)
    if not sites:
        where = ", ".join(str(p) for p in locations)
        raise ConfigError(f"no sites to probe in {where}" + (f" for shard {shard[0]}/{shard[1]}" if shard else "")
                          + "; add a site file (see sites/examples/) or pass --sites PATH")
    return sites


def _baseline(config: pytest.Config, settings: Settings) -> dict[str, Any] | None:
    """The --baseline document, read and checked now: a wrong one stops the run before any request."""
    from ._results import load_results

    if not settings.baseline:
        return None
    if not Path(settings.baseline).is_file():
        raise ConfigError(f"--baseline {config.option.baseline}: no such file (give an earlier results.json)")
    try:
        return load_results(Path(settings.baseline))
    except ConfigError as exc:
        raise ConfigError(f"--baseline {exc}") from None


def _start(config: pytest.Config) -> CompatSession:
    """Build the run's session and register the plugin objects that do its work."""
    from ._outcomes import Outcomes
    from ._probing import Probing
    from ._schemas import SchemaSet
    from ._session import SESSION, CompatSession
    from ._summary import COMPACT_KEY, TerminalSummary
    from ._terminal import TerminalNotes
    from ._writing import Writing

    catalogue = load_catalogue(_root_path(config, "relaycompat_catalogue"))
    settings = _check_side_effects(_settings(config), list(catalogue.side_effects))
    baseline = _baseline(config, settings)
    sites = _sites(config, settings.shard)
    manifests = Manifests.load(Path(settings.manifests_dir), catalogue)
    schemas = SchemaSet.load(Path(settings.schemas_dir))  # a broken schema stops the run here, not in the prober
    store = RunStore.create()
    config.add_cleanup(lambda: shutil.rmtree(store.root, ignore_errors=True))  # after every unconfigure hook
    state = SuiteState(settings, catalogue, manifests, [s.public() for s in sites], store)
    config.stash[STATE_KEY] = state
    session = CompatSession(config, state, sites, schemas, baseline=baseline, outputs=config.stash.get(OUTPUTS_KEY, None))
    manager = config.pluginmanager
    manager.register(session, SESSION)
    probing = Probing(session)
    manager.register(probing, "relaycompat-probing")
    writing = Writing(session, probing)
    summary = TerminalSummary(session, compact=config.stash.get(COMPACT_KEY, False))
    for name, part in (("outcomes", Outcomes(session)), ("writing", writing), ("terminal", TerminalNotes(session, writing)),
                       ("summary", summary)):
        manager.register(part, f"relaycompat-{name}")
    if config.option.history:
        from .history._plugin import HistoryRecorder

        manager.register(HistoryRecorder.from_config(config), "relaycompat-history")
    if not getattr(config.option, "numprocesses", None):  # no xdist worker: each site's tests once it is probed
        from ._order import ReadyFirst

        manager.register(ReadyFirst(state.store, probing.done), "relaycompat-order")
    if manager.hasplugin("html"):
        from .reports._pytest_html import HtmlReport

        manager.register(HtmlReport(session), "relaycompat-html")
    if _selects_everything(config):
        probing.start(probing.full_selection())
    return session


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return None
    emulated = sum(1 for s in state.sites if s["emulate"])
    sources = sorted({Path(s["source"]).name for s in state.sites})
    effects = state.settings.side_effects
    allowed = "allowed: " + ", ".join(effects) + (" (access tokens WILL be rotated)" if "rotate-token" in effects else "") \
        if effects else "none allowed"
    return [
        f"relaycompat: {len(state.sites)} sites ({emulated} emulated) from {', '.join(sources)}; "
        f"{len(state.catalogue)} endpoints; side effects {allowed}",
        f"relaycompat: reports -> {state.settings.report_dir}",
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(ENDPOINT_MARK)
    if marker is None:
        return
    state = metafunc.config.stash.get(STATE_KEY, None)
    if state is None:
        raise pytest.UsageError("relaycompat: endpoint tests collected but the suite is not active; run from the project root")
    configured = Path(state.settings.catalogue).resolve()
    if Path(marker.kwargs["catalogue"]).resolve() != configured:
        raise pytest.UsageError(f"relaycompat: {metafunc.definition.nodeid} reads {marker.kwargs['catalogue']} "
                                f"but relaycompat_catalogue is {configured}; make them the same file")
    params = []
    for site in state.sites:
        mark = BACKEND_MARKS.get(site["backend"] or "", "backend_undeclared")
        params.append(pytest.param(site, id=site["slug"], marks=getattr(pytest.mark, mark)))
    metafunc.parametrize("site", params)


def pytest_runtest_setup(item: pytest.Item) -> None:
    key = item_key(item)
    if key is not None:
        item.user_properties += [(SITE, key[0]), (ENDPOINT, key[1])]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport | None:
    return one_line_report(item, call)


@pytest.hookimpl(wrapper=True, specname="pytest_runtest_makereport")
def one_line_xfail(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """An expected absence is reported by its one-line reason, not by a traceback of the suite."""
    report = yield
    if hasattr(report, "wasxfail") and report.skipped and item.get_closest_marker(ENDPOINT_MARK) is not None:
        report.longrepr = report.wasxfail
    return report

"""Merge the results.json of several shards (``--shard K/N``) into the results of one run.

Shard K of N holds sites K-1, K-1+N, K-1+2N, … of the site list, in order; interleaving the
shards back by K restores the single run's site order, so the merged reports are those of a
single run on the same data (apart from the generation time, the latest of the shards').
Results without shard information are concatenated in the order given.

Shards must make one whole run: all of one N, none twice, none missing. A missing shard (its
job failed, its artifact expired) is an error unless the caller allows it, and then the merged
run names it in ``run.missing_shards`` and the reports say the report covers part of the sites.

:func:`merge_results` merges parsed documents in memory. :func:`merge_shards` merges files
holding one shard in memory at a time: each site is kept as its JSON text in a temporary file
and, for the summary, without its evidence; results.json is assembled from those texts and
each site's details are rendered from them one site at a time, so 5 000 sites merge in well
under 1 GiB (docs/performance.md).
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._redact import Redactor
from .._results import FORMAT_VERSION, load_results
from ._files import without_evidence


class MergeError(ValueError):
    """The documents cannot be merged; the message says which and why."""


def _shard(document: Mapping[str, Any]) -> tuple[int, int] | None:
    shard = (document.get("run") or {}).get("shard")
    return (int(shard[0]), int(shard[1])) if shard else None


@dataclass
class ShardMerger:
    """Checks documents one at a time as shards of one run, and knows the merged order and header."""

    first: dict[str, Any] | None = None
    first_name: str = ""
    runs: list[dict[str, Any]] = field(default_factory=list)
    merged_from: list[dict[str, Any]] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)
    shards: dict[tuple[int, int], str] = field(default_factory=dict)
    unsharded: list[str] = field(default_factory=list)
    owner: dict[str, str] = field(default_factory=dict)

    def add(self, document: Any, name: str) -> Iterator[tuple[tuple[int, int], dict[str, Any]]]:
        """Check ``document`` against the others; yield ``(order key, site)`` for each of its sites."""
        if not isinstance(document, dict) or not isinstance(document.get("sites"), list):
            raise MergeError(f"{name}: not a relaycompat results.json (no 'sites' list)")
        if document.get("format") != FORMAT_VERSION:
            raise MergeError(f"{name}: results format {document.get('format')!r}, expected {FORMAT_VERSION}")
        if self.first is None:
            self.first, self.first_name = {k: v for k, v in document.items() if k != "sites"}, name
        elif document.get("catalogue") != self.first.get("catalogue"):
            raise MergeError(f"{name}: its endpoint catalogue differs from {self.first_name}'s; merge runs of the same suite")
        self._check_shard(_shard(document), name)
        run = document.get("run") or {}
        index = len(self.runs)
        self.runs.append(run)
        self.generated.append(str(document.get("generated_at") or ""))
        self.merged_from.append({"name": name, "generated_at": document.get("generated_at"), "shard": run.get("shard"),
                                 "run_id": run.get("run_id"), "sites": len(document["sites"])})
        for position, site in enumerate(document["sites"]):
            if site["slug"] in self.owner:
                raise MergeError(f"site {site['slug']!r} is in both {self.owner[site['slug']]} and {name}")
            self.owner[site["slug"]] = name
            yield (index, position), site

    def _check_shard(self, shard: tuple[int, int] | None, name: str) -> None:
        """Refuse a document that cannot belong with the others to one run."""
        if shard is None:
            if self.shards:
                other, where = next(iter(self.shards.items()))
                raise MergeError(f"{name} is a whole run (no --shard) but {where} is shard {other[0]}/{other[1]}; "
                                 "merge the shards of one run")
            self.unsharded.append(name)
            return
        if self.unsharded:
            raise MergeError(f"{self.unsharded[0]} is a whole run (no --shard) but {name} is shard {shard[0]}/{shard[1]}; "
                             "merge the shards of one run")
        if shard in self.shards:
            raise MergeError(f"{name} and {self.shards[shard]} are both shard {shard[0]}/{shard[1]}")
        other = next(iter(self.shards), None)
        if other is not None and other[1] != shard[1]:
            raise MergeError(f"{name} is shard {shard[0]}/{shard[1]} but {self.shards[other]} is shard {other[0]}/{other[1]}; "
                             "shards of a different N come from different runs")
        self.shards[shard] = name

    def missing(self, *, allow: bool) -> list[list[int]]:
        """The shards of the run not given, ``[k, n]``; :class:`MergeError` unless ``allow``."""
        if not self.shards:
            return []
        n = next(iter(self.shards))[1]
        missing = [k for k in range(1, n + 1) if (k, n) not in self.shards]
        if missing and not allow:
            given = ", ".join(f"{k}/{n}" for k, _ in sorted(self.shards))
            raise MergeError(f"shard {', '.join(f'{k}/{n}' for k in missing)} missing (given: {given}); give the results.json "
                             "of every shard, or pass --allow-missing-shards to merge what there is")
        return [[k, n] for k in missing]

    def order(self, key: tuple[int, int]) -> tuple[int, int]:
        """Where a site goes in the merged run: interleaved by K when every document is a shard of
        the same N, else in the order given (``key``: the document's index, the site's position)."""
        index, position = key
        shards = [_shard({"run": run}) for run in self.runs]
        if all(shards) and len({s[1] for s in shards if s}) == 1:
            k, n = shards[index]  # type: ignore[misc]
            return (k - 1) + position * n, 0
        return index, position

    def header(self, slugs: Sequence[str], *, allow_missing: bool = False) -> dict[str, Any]:
        """The merged document without its sites (``slugs``: the merged site order)."""
        if self.first is None:
            raise MergeError("nothing to merge: give at least one results.json")
        missing = self.missing(allow=allow_missing)
        run_ids = {r.get("run_id") for r in self.runs}
        rotated = {slug for run in self.runs for slug in run.get("rotated_tokens") or []}
        starts = [r["started_at"] for r in self.runs if r.get("started_at")]
        seconds = [r["probe_seconds"] for r in self.runs if r.get("probe_seconds") is not None]
        run = {
            # shards of one run share its id (--run-id, $GITHUB_RUN_ID): the merge is that run
            "run_id": run_ids.pop() if len(run_ids) == 1 else None,
            "started_at": min(starts) if starts else None,
            "allow_mutating": any(r.get("allow_mutating") for r in self.runs),
            "side_effects": sorted({name for r in self.runs for name in r.get("side_effects") or []}),
            "shard": None,
            "report_lang": self.runs[0].get("report_lang", "zh"),
            "probe_seconds": max(seconds) if seconds else None,
            "rotated_tokens": [slug for slug in slugs if slug in rotated],
            "missing_shards": missing,
            "merged_from": self.merged_from,
        }
        return {
            "format": FORMAT_VERSION,
            "generated_at": max(self.generated) or None,
            "tool": copy.deepcopy(self.first.get("tool")),
            "run": run,
            "catalogue": copy.deepcopy(self.first.get("catalogue")),
        }


def merge_results(documents: Sequence[dict[str, Any]], names: Sequence[str] | None = None, *,
                  allow_missing: bool = False) -> dict[str, Any]:
    """One results document from ``documents`` (``names`` label them in error messages);
    ``allow_missing``: merge the shards given even if some of the run's are missing."""
    if not documents:
        raise MergeError("nothing to merge: give at least one results.json")
    labels = list(names) if names is not None else [f"document #{i + 1}" for i in range(len(documents))]
    merger = ShardMerger()
    placed = [item for document, name in zip(documents, labels, strict=True) for item in merger.add(document, name)]
    sites = [copy.deepcopy(site) for _, site in sorted(placed, key=lambda item: merger.order(item[0]))]
    return {**merger.header([site["slug"] for site in sites], allow_missing=allow_missing), "sites": sites}


def _indented(site: dict[str, Any]) -> str:
    """A site as ``json.dumps(document, indent=1)`` writes it inside the ``sites`` list."""
    return "  " + json.dumps(site, ensure_ascii=False, indent=1).replace("\n", "\n  ")


class MergedShards:
    """Shards merged file by file (:func:`merge_shards`): :attr:`results` holds every site without
    its evidence; :meth:`sites` gives the full sites one at a time, :meth:`write_results` the
    merged results.json."""

    def __init__(self, results: dict[str, Any], spans: list[tuple[int, int]], texts: Any) -> None:
        self.results = results
        self._spans = spans
        self._texts = texts

    def _text(self, span: tuple[int, int]) -> str:
        self._texts.seek(span[0])
        return str(self._texts.read(span[1]).decode("utf-8"))

    def sites(self) -> Iterator[dict[str, Any]]:
        for span in self._spans:
            yield json.loads(self._text(span))

    def write_results(self, path: Path, scrub: Redactor) -> None:
        """results.json as :func:`relaycompat._results.write_json` writes it, from the sites' texts."""
        header = {k: v for k, v in self.results.items() if k != "sites"}
        opening, closing = json.dumps({**header, "sites": []}, ensure_ascii=False, indent=1).rsplit('"sites": []', 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        with partial.open("w", encoding="utf-8") as out:
            out.write(scrub.text(opening) + '"sites": [')
            for number, span in enumerate(self._spans):
                out.write(("," if number else "") + "\n" + scrub.text(_indented(json.loads(self._text(span)))))
            out.write(("\n ]" if self._spans else "]") + scrub.text(closing))
        os.replace(partial, path)


@contextmanager
def merge_shards(paths: Sequence[Path], *, allow_missing: bool = False) -> Iterator[MergedShards]:
    """Merge the results.json files ``paths`` holding one in memory at a time (see the module docstring)."""
    if not paths:
        raise MergeError("nothing to merge: give at least one results.json")
    merger = ShardMerger()
    light: list[tuple[tuple[int, int], dict[str, Any]]] = []
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    with tempfile.TemporaryFile("w+b") as texts:
        for path in paths:
            document = load_results(path)
            for key, site in merger.add(document, str(path)):
                encoded = json.dumps(site, ensure_ascii=False).encode("utf-8")
                spans[key] = (texts.tell(), len(encoded))
                texts.write(encoded)
                light.append((key, without_evidence(site)))
            del document
        light.sort(key=lambda item: merger.order(item[0]))
        sites = [site for _, site in light]
        results = {**merger.header([site["slug"] for site in sites], allow_missing=allow_missing), "sites": sites}
        yield MergedShards(results, [spans[key] for key, _ in light], texts)

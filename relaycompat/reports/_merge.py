"""Merge the results.json of several shards (``--shard K/N``) into the results of one run.

Shard K of N holds sites K-1, K-1+N, K-1+2N, … of the site list, in order; interleaving the
shards back by K restores the single run's site order, so the merged reports are those of a
single run on the same data (apart from the generation time, the latest of the shards').
Results without shard information are concatenated in the order given.

:func:`merge_results` merges parsed documents in memory. :func:`merge_files` merges files into a
report folder holding one shard at a time: each site's details are written as it is read and
only its verdicts are kept for the summary; the merged results.json is assembled from the
sites' JSON text, so 5 000 sites merge in well under 1 GiB (docs/performance.md).
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._redact import Redactor
from .._results import FORMAT_VERSION, load_results
from ._files import Baseline, ReportFolder, Written, without_evidence
from ._text import report_language


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
        shard = _shard(document)
        if shard is not None:
            if shard in self.shards:
                raise MergeError(f"{name} and {self.shards[shard]} are both shard {shard[0]}/{shard[1]}")
            self.shards[shard] = name
        run = document.get("run") or {}
        index = len(self.runs)
        self.runs.append(run)
        self.generated.append(str(document.get("generated_at") or ""))
        self.merged_from.append({"name": name, "generated_at": document.get("generated_at"), "shard": run.get("shard"),
                                 "sites": len(document["sites"])})
        for position, site in enumerate(document["sites"]):
            if site["slug"] in self.owner:
                raise MergeError(f"site {site['slug']!r} is in both {self.owner[site['slug']]} and {name}")
            self.owner[site["slug"]] = name
            yield (index, position), site

    def order(self, key: tuple[int, int]) -> tuple[int, int]:
        """Where a site goes in the merged run: interleaved by K when every document is a shard of
        the same N, else in the order given (``key``: the document's index, the site's position)."""
        index, position = key
        shards = [_shard({"run": run}) for run in self.runs]
        if all(shards) and len({s[1] for s in shards if s}) == 1:
            k, n = shards[index]  # type: ignore[misc]
            return (k - 1) + position * n, 0
        return index, position

    def header(self, slugs: Sequence[str]) -> dict[str, Any]:
        """The merged document without its sites (``slugs``: the merged site order)."""
        if self.first is None:
            raise MergeError("nothing to merge: give at least one results.json")
        rotated = {slug for run in self.runs for slug in run.get("rotated_tokens") or []}
        starts = [r["started_at"] for r in self.runs if r.get("started_at")]
        seconds = [r["probe_seconds"] for r in self.runs if r.get("probe_seconds") is not None]
        run = {
            "started_at": min(starts) if starts else None,
            "allow_mutating": any(r.get("allow_mutating") for r in self.runs),
            "shard": None,
            "report_lang": self.runs[0].get("report_lang", "zh"),
            "probe_seconds": max(seconds) if seconds else None,
            "rotated_tokens": [slug for slug in slugs if slug in rotated],
            "merged_from": self.merged_from,
        }
        return {
            "format": FORMAT_VERSION,
            "generated_at": max(self.generated) or None,
            "tool": copy.deepcopy(self.first.get("tool")),
            "run": run,
            "catalogue": copy.deepcopy(self.first.get("catalogue")),
        }


def merge_results(documents: Sequence[dict[str, Any]], names: Sequence[str] | None = None) -> dict[str, Any]:
    """One results document from ``documents`` (``names`` label them in error messages)."""
    if not documents:
        raise MergeError("nothing to merge: give at least one results.json")
    labels = list(names) if names is not None else [f"document #{i + 1}" for i in range(len(documents))]
    merger = ShardMerger()
    placed = [item for document, name in zip(documents, labels, strict=True) for item in merger.add(document, name)]
    sites = [copy.deepcopy(site) for _, site in sorted(placed, key=lambda item: merger.order(item[0]))]
    return {**merger.header([site["slug"] for site in sites]), "sites": sites}


def _indented(site: dict[str, Any]) -> str:
    """A site as ``json.dumps(document, indent=1)`` writes it inside the ``sites`` list."""
    return "  " + json.dumps(site, ensure_ascii=False, indent=1).replace("\n", "\n  ")


def merge_files(paths: Sequence[Path], out_dir: Path, *, lang: str | None = None, baseline: Baseline = None,
                redactor: Redactor | None = None) -> tuple[dict[str, Any], Written]:
    """Merge the results.json files ``paths`` into ``out_dir``: results.json and every report.

    Returns the merged results without the probes' evidence, and what was written.
    """
    if not paths:
        raise MergeError("nothing to merge: give at least one results.json")
    scrub = redactor or Redactor()
    merger = ShardMerger()
    light: list[tuple[tuple[int, int], dict[str, Any]]] = []
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    folder: ReportFolder | None = None
    with tempfile.TemporaryFile("w+b", dir=out_dir if out_dir.is_dir() else None) as texts:
        for path in paths:
            document = load_results(path)
            for key, site in merger.add(document, str(path)):
                if folder is None:
                    lang = report_language(document, lang)
                    folder = ReportFolder(out_dir, lang=lang, redactor=scrub)
                folder.add_site(site, document)
                encoded = _indented(site).encode("utf-8")
                spans[key] = (texts.tell(), len(encoded))
                texts.write(encoded)
                light.append((key, without_evidence(site)))
            del document
        light.sort(key=lambda item: merger.order(item[0]))
        sites = [site for _, site in light]
        header = merger.header([site["slug"] for site in sites])
        _write_results(out_dir / "results.json", header, [spans[key] for key, _ in light], texts, scrub)
    results = {**header, "sites": sites}
    if folder is None:  # shards without sites
        folder = ReportFolder(out_dir, lang=report_language(header, lang), redactor=scrub)
    return results, folder.finish(results, baseline=baseline)


def _write_results(path: Path, header: dict[str, Any], spans: list[tuple[int, int]], texts: Any,
                   scrub: Redactor) -> None:
    """results.json as :func:`relaycompat._results.write_json` writes it, from the sites' texts."""
    head = json.dumps({**header, "sites": []}, ensure_ascii=False, indent=1)
    opening, closing = head.rsplit('"sites": []', 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    with partial.open("w", encoding="utf-8") as out:
        out.write(scrub.text(opening) + '"sites": [')
        for number, (offset, length) in enumerate(spans):
            texts.seek(offset)
            out.write(("," if number else "") + "\n" + scrub.text(texts.read(length).decode("utf-8")))
        out.write(("\n ]" if spans else "]") + scrub.text(closing))
    os.replace(partial, path)

"""Merge the results.json of several shards (``--shard K/N``) into the results of one run.

Shard K of N holds sites K-1, K-1+N, K-1+2N, … of the site list, in order; interleaving the
shards back by K restores the single run's site order, so the merged reports are those of a
single run on the same data (apart from the generation time, the latest of the shards').
Results without shard information are concatenated in the order given.

Shards must make one whole run: all of one N, none twice, none missing. A missing shard (its
job failed, its artifact expired) is an error unless the caller allows it, and then the merged
run names it in ``run.missing_shards`` and the reports say the report covers part of the sites.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from .._results import FORMAT_VERSION


class MergeError(ValueError):
    """The documents cannot be merged; the message says which and why."""


def _shard(document: dict[str, Any]) -> tuple[int, int] | None:
    shard = (document.get("run") or {}).get("shard")
    return (int(shard[0]), int(shard[1])) if shard else None


def _ordered_sites(documents: Sequence[dict[str, Any]], names: Sequence[str]) -> list[dict[str, Any]]:
    shards = [_shard(d) for d in documents]
    if all(shards) and len({s[1] for s in shards if s}) == 1:
        positioned = []
        for document, shard in zip(documents, shards, strict=True):
            assert shard is not None
            k, n = shard
            positioned += [((k - 1) + i * n, site) for i, site in enumerate(document.get("sites", []))]
        return [site for _, site in sorted(positioned, key=lambda item: item[0])]
    return [site for document in documents for site in document.get("sites", [])]


def _check_shards(documents: Sequence[dict[str, Any]], names: Sequence[str], *,
                  allow_missing: bool) -> list[list[int]]:
    """Refuse shards that do not make one run; return the missing ones, ``[k, n]`` (when allowed)."""
    seen: dict[tuple[int, int], str] = {}
    unsharded = [name for document, name in zip(documents, names, strict=True) if _shard(document) is None]
    for document, name in zip(documents, names, strict=True):
        shard = _shard(document)
        if shard is None:
            continue
        if unsharded:
            raise MergeError(f"{unsharded[0]} is a whole run (no --shard) but {name} is shard {shard[0]}/{shard[1]}; "
                             "merge the shards of one run")
        if shard in seen:
            raise MergeError(f"{name} and {seen[shard]} are both shard {shard[0]}/{shard[1]}")
        other = next(iter(seen), None)
        if other is not None and other[1] != shard[1]:
            raise MergeError(f"{name} is shard {shard[0]}/{shard[1]} but {seen[other]} is shard {other[0]}/{other[1]}; "
                             "shards of a different N come from different runs")
        seen[shard] = name
    if not seen:
        return []
    n = next(iter(seen))[1]
    missing = [k for k in range(1, n + 1) if (k, n) not in seen]
    if missing and not allow_missing:
        given = ", ".join(f"{k}/{n}" for k, _ in sorted(seen))
        raise MergeError(f"shard {', '.join(f'{k}/{n}' for k in missing)} missing (given: {given}); give the results.json "
                         "of every shard, or pass --allow-missing-shards to merge what there is")
    return [[k, n] for k in missing]


def merge_results(documents: Sequence[dict[str, Any]], names: Sequence[str] | None = None, *,
                  allow_missing: bool = False) -> dict[str, Any]:
    """One results document from ``documents`` (``names`` label them in error messages);
    ``allow_missing``: merge the shards given even if some of the run's are missing."""
    if not documents:
        raise MergeError("nothing to merge: give at least one results.json")
    labels = list(names) if names is not None else [f"document #{i + 1}" for i in range(len(documents))]
    first = documents[0]
    for document, name in zip(documents, labels, strict=True):
        if not isinstance(document, dict) or not isinstance(document.get("sites"), list):
            raise MergeError(f"{name}: not a relaycompat results.json (no 'sites' list)")
        if document.get("format") != FORMAT_VERSION:
            raise MergeError(f"{name}: results format {document.get('format')!r}, expected {FORMAT_VERSION}")
        if document.get("catalogue") != first.get("catalogue"):
            raise MergeError(f"{name}: its endpoint catalogue differs from {labels[0]}'s; merge runs of the same suite")
    missing = _check_shards(documents, labels, allow_missing=allow_missing)
    owner: dict[str, str] = {}
    for document, name in zip(documents, labels, strict=True):
        for site in document["sites"]:
            if site["slug"] in owner:
                raise MergeError(f"site {site['slug']!r} is in both {owner[site['slug']]} and {name}")
            owner[site["slug"]] = name
    sites = copy.deepcopy(_ordered_sites(documents, labels))
    runs = [document.get("run") or {} for document in documents]
    rotated = {slug for run in runs for slug in run.get("rotated_tokens") or []}
    starts = [r["started_at"] for r in runs if r.get("started_at")]
    seconds = [r["probe_seconds"] for r in runs if r.get("probe_seconds") is not None]
    run_ids = {r.get("run_id") for r in runs}
    run = {
        # shards of one run share its id (--run-id, $GITHUB_RUN_ID): the merge is that run
        "run_id": run_ids.pop() if len(run_ids) == 1 else None,
        "started_at": min(starts) if starts else None,
        "allow_mutating": any(r.get("allow_mutating") for r in runs),
        "side_effects": sorted({name for r in runs for name in r.get("side_effects") or []}),
        "shard": None,
        "report_lang": runs[0].get("report_lang", "zh"),
        "probe_seconds": max(seconds) if seconds else None,
        "rotated_tokens": [site["slug"] for site in sites if site["slug"] in rotated],
        "missing_shards": missing,
        "merged_from": [
            {"name": name, "generated_at": d.get("generated_at"), "shard": (d.get("run") or {}).get("shard"),
             "run_id": (d.get("run") or {}).get("run_id"), "sites": len(d["sites"])}
            for d, name in zip(documents, labels, strict=True)
        ],
    }
    return {
        "format": FORMAT_VERSION,
        "generated_at": max(str(d.get("generated_at") or "") for d in documents) or None,
        "tool": copy.deepcopy(first.get("tool")),
        "run": run,
        "catalogue": copy.deepcopy(first.get("catalogue")),
        "sites": sites,
    }

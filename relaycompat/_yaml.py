"""YAML files a user writes (site files), read strictly and within bounds.

PyYAML's ``safe_load`` is lenient where a configuration file must not be: of two equal keys it
keeps the last without a word (two ``sites:`` blocks in one file lose the first), and it
expands aliases by reference, so a ten-line "billion laughs" file of aliases to aliases is a
tree of billions of values for whatever walks it next (it took 90 s and 3.7 GB, then
``MemoryError``). :func:`load_yaml` refuses both, and files over :data:`MAX_BYTES`, with a
:class:`YAMLProblem` naming the line. Aliases stay usable for what they are for (sharing a few
settings between sites): only the expanded size is bounded.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Bytes of one file, and values it may expand to through aliases.
MAX_BYTES = 8 * 1024 * 1024
MAX_NODES = 100_000

_MERGE_TAG = "tag:yaml.org,2002:merge"


class YAMLProblem(ValueError):
    """The text is not YAML this suite accepts; the message says why and where."""


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    raise YAMLProblem(f"line {line}: duplicate key {key_node.value!r} (also on line "
                                      f"{seen[key_node.value]}); YAML keeps only the last, so merge them")
                seen[key_node.value] = line
        return super().construct_mapping(node, deep=deep)


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes ``root`` stands for once every alias is expanded (stops past MAX_NODES)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    active: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        if children_done:
            active.discard(id(node))
            sizes[id(node)] = min(1 + sum(sizes[id(c)] for c in children), MAX_NODES + 1)
            continue
        if id(node) in active:
            raise YAMLProblem(f"line {node.start_mark.line + 1}: an alias refers to the value that holds it")
        active.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def load_yaml(text: str) -> Any:
    """Parse one YAML document strictly (see the module docstring); raise :class:`YAMLProblem`
    or :class:`yaml.YAMLError`."""
    if len(text) > MAX_BYTES:
        raise YAMLProblem(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_NODES:
            raise YAMLProblem(f"the file expands to more than {MAX_NODES} values through its aliases "
                              "(&anchor / *alias); write the values out")
        return loader.construct_document(node)
    except RecursionError:
        raise YAMLProblem("nested too deeply") from None
    finally:
        loader.dispose()

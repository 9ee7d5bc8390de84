"""The reference location matcher every fast matcher is checked against (TDMRep
``location``, robots.txt Allow/Disallow, Content-Usage paths).

It is deliberately naive: normalise both sides with the crawler's own :func:`normalise`
(the pattern piece by piece, ``*`` being the wildcard and a trailing ``$`` the anchor),
then decide by dynamic programming over characters whether the pattern matches a prefix
of the path (the whole path when anchored). No regex, no cleverness: what it says is the
definition.
"""

from __future__ import annotations

from tdm_crawler.policy.pathmatch import normalise

STAR = None  # the wildcard token in the reference's token list


def reference_match(pattern: str, path: str) -> bool:
    """Does ``pattern`` match ``path``? Prefix match, ``*`` any run, trailing ``$`` end."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    tokens: list[str | None] = []
    for index, piece in enumerate(body.split("*")):
        if index:
            tokens.append(STAR)
        tokens.extend(normalise(piece))
    if not anchored:
        tokens.append(STAR)  # a prefix match: anything may follow
    target = normalise(path)
    # matches[j]: tokens[i:] matches target[j:], computed for i from the end.
    matches = [j == len(target) for j in range(len(target) + 1)]
    for token in reversed(tokens):
        row = [False] * (len(target) + 1)
        for j in range(len(target), -1, -1):
            if token is STAR:
                row[j] = matches[j] or (j < len(target) and row[j + 1])
            else:
                row[j] = j < len(target) and target[j] == token and matches[j + 1]
        matches = row
    return matches[0]

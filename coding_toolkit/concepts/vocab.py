"""Word vectors for a pack's vocabulary, learnt with gensim word2vec from the trust's own notes.

MedCAT v2 has no corpus-to-vocab builder (docs/reference.md §5): we train word2vec on a temporary
corpus file (one document per line, so the notes stream through once), then fill ``Vocab.add_word(word, cnt, vec)`` and ``init_cumsums()``.
Tokens are MedCAT's regex tokenizer's (its own pattern, from ``medcat_compat.tokenizer_regex``),
lower-cased, since the linker looks vectors up by ``token.lower``.

Reproducible by default (issue 17): one worker thread, a fixed seed and a per-process-stable
hash for seeding each word's vector, so the same corpus gives the same vectors. More workers
(``model build --vector-workers N``) train faster but give different vectors on every run
(``benchmarks/bench_reproducible.py`` measures the cost).
"""
from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable

import coding_toolkit.offline  # noqa: F401  (before medcat)
from coding_toolkit.concepts.medcat_compat import tokenizer_regex

log = logging.getLogger(__name__)

VECTOR_SIZE = 100
MAX_WORDS = 300_000  # caps memory on a large corpus (rare tokens are dropped first)
VECTOR_WORKERS = 1  # reproducible vectors; more threads are faster but differ run to run


def tokens(text: str) -> list[str]:
    return [m[2] for m in tokenizer_regex().finditer(text.lower())]  # group 2: without whitespace


def build_vocab(texts: Iterable[str], *, extra_texts: Iterable[str] = (), seed: int = 0,
                workers: int = VECTOR_WORKERS):
    """Return ``(medcat Vocab, stats dict)`` from word2vec trained on ``texts`` then ``extra_texts``.

    ``workers`` 1 (the default) gives the same vectors from the same corpus and ``seed``; more
    workers are faster and not reproducible."""
    from gensim.models import Word2Vec
    from medcat.vocab import Vocab

    from coding_toolkit.concepts.reproducible import stable_hash

    docs = n_tokens = 0
    fd, corpus = tempfile.mkstemp(prefix="ct_w2v_", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for source, is_note in ((texts, True), (extra_texts, False)):
                for text in source:
                    toks = tokens(text)
                    if not toks:
                        continue
                    fh.write(" ".join(toks))
                    fh.write("\n")
                    n_tokens += len(toks)
                    docs += is_note
        if n_tokens == 0:
            return Vocab(), {"documents": 0, "tokens": 0, "words": 0}
        model = Word2Vec(corpus_file=corpus, vector_size=VECTOR_SIZE, window=5, min_count=1,
                         max_final_vocab=MAX_WORDS, workers=workers,
                         seed=seed, hashfxn=stable_hash, epochs=5 if n_tokens > 1_000_000 else 10)
    finally:
        os.unlink(corpus)
    vocab = Vocab()
    wv = model.wv
    for word in wv.index_to_key:
        vocab.add_word(word, int(wv.get_vecattr(word, "count")), wv[word].astype("float32"), replace=True)
    vocab.init_cumsums()
    stats = {"documents": docs, "tokens": n_tokens, "words": len(wv.index_to_key),
             "vector_size": VECTOR_SIZE, "library": "gensim word2vec", "seed": seed,
             "workers": workers, "reproducible": workers == 1}
    log.info("vocab: %d words from %d notes (%d tokens)", stats["words"], docs, n_tokens)
    return vocab, stats

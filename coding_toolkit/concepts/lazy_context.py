"""Skip MedCAT's context vectors when no candidate concept could use them (identical links).

To disambiguate a name MedCAT 2's linker first builds the mention's context vectors (four
windows of word vectors, ~1 ms a mention) and then scores each candidate concept against them;
a concept with no trained context vectors (``count_train`` below ``train_count_threshold``)
scores -1 without looking at them. In an untrained pack (the starter, a freshly built trust pack)
and for the untrained concepts of a trained one, the vectors were built for nothing: with
ambiguous names in a trust-sized pack that was a third of annotation time. ``LazyContextModel``
builds them only when a candidate can use them; every similarity, and so every link, is unchanged.
"""
from __future__ import annotations

from coding_toolkit.concepts import medcat_compat


def _context_model_class():
    from medcat.components.linking.vector_context_model import ContextModel

    return ContextModel


class LazyContextModel(_context_model_class()):
    _no_vectors = False

    def _usable(self, cui: str) -> bool:
        info = self.cui2info.get(cui)
        return bool(info and info["context_vectors"] and info["count_train"] >= self.config.train_count_threshold)

    def get_all_similarities(self, cuis, entity, name, doc, per_doc_valid_token_cache):
        if any(self._usable(cui) for cui in cuis):
            return super().get_all_similarities(cuis, entity, name, doc, per_doc_valid_token_cache)
        self._no_vectors = True  # every _similarity is -1 without reading them
        try:
            return super().get_all_similarities(cuis, entity, name, doc, per_doc_valid_token_cache)
        finally:
            self._no_vectors = False

    def get_context_vectors(self, entity, doc, per_doc_valid_token_cache, cui=None):
        if self._no_vectors:
            return {}
        return super().get_context_vectors(entity, doc, per_doc_valid_token_cache, cui=cui)


def install(cat) -> bool:
    """Make the loaded CAT's linker build context vectors lazily (this instance only)."""
    model = medcat_compat.linker_context_model(cat)
    base = _context_model_class()
    if type(model) is not base:
        return False  # another linker or context model: not checked against
    if not (medcat_compat.parameters_are(base.get_all_similarities,
                                         ("cuis", "entity", "name", "doc", "per_doc_valid_token_cache"))
            and medcat_compat.parameters_are(base.get_context_vectors,
                                             ("entity", "doc", "per_doc_valid_token_cache", "cui"))):
        medcat_compat.not_applied("lazy_context", "ContextModel's similarity methods take other parameters")
        return False
    medcat_compat.reclass(model, LazyContextModel)
    return True
